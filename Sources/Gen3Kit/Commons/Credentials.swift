import Foundation

/// What authenticates us to a commons: a Gen3 API key file (`credentials.json`) or, for scripts,
/// a ready access token. Read once, never copied or stored: the job keeps only the file's path.
public struct Credentials: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The secret itself: an API key to exchange for access tokens, or a token to use as is.
    public enum Source: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
        case apiKey(apiKey: String, keyID: String?)
        case accessToken(String)
        /// Inside a Gen3 Workspace: tokens from its Workspace Token Service for this identity
        /// provider (`idp://wts/<idp>`), no secret held here at all.
        case workspaceToken(idp: String)

        /// The kind of secret, never the secret.
        public var description: String {
            switch self {
            case .apiKey(_, let keyID): return "apiKey(key_id: \(keyID ?? "none"), api_key: [redacted])"
            case .accessToken: return "accessToken([redacted])"
            case .workspaceToken(let idp): return "workspaceToken(idp: \(idp))"
            }
        }
        public var debugDescription: String { description }
    }

    /// The secret (prints redacted).
    public let source: Source
    /// Where it came from, for messages (a path, or a description; never the secret).
    public let origin: String

    /// Printing credentials shows where they came from, never the key or token.
    public var description: String { "Credentials(\(source), from: \(origin))" }
    public var debugDescription: String { description }

    /// The commons these credentials say they are for, when they say so outside the key (a
    /// gen3-client profile's `api_endpoint`).
    let endpoint: String?

    /// Credentials from a secret the caller already holds; `origin` names it in messages.
    public init(source: Source, origin: String) {
        self.init(source: source, origin: origin, endpoint: nil)
    }

    init(source: Source, origin: String, endpoint: String?) {
        self.source = source
        self.origin = origin
        self.endpoint = endpoint
    }

    /// Reads a credentials file: `{"api_key": "<JWT>", "key_id": "…"}`.
    public static func load(path: String) throws -> Credentials {
        let path = FilePaths.absolute(path)
        guard FilePaths.exists(path) else { throw CommonsError.credentialsMissing(path: path) }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CommonsError.credentialsUnreadable(path: path, reason: String(cString: strerror(errno)))
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: 1 << 20) ?? Data()
        } catch {
            throw CommonsError.credentialsUnreadable(path: path, reason: error.localizedDescription)
        }
        return try parse(data, origin: path)
    }

    /// A credentials file's members.
    private struct File: Codable {
        var apiKey: String?
        var keyID: String?

        enum CodingKeys: String, CodingKey {
            case apiKey = "api_key"
            case keyID = "key_id"
        }

        init(apiKey: String?, keyID: String?) {
            self.apiKey = apiKey
            self.keyID = keyID
        }

        init(from decoder: any Decoder) throws {
            let members = try decoder.container(keyedBy: CodingKeys.self)
            apiKey = members.lenient(String.self, .apiKey)
            keyID = members.lenient(String.self, .keyID)
        }
    }

    static func parse(_ data: Data, origin: String) throws -> Credentials {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch DecodingError.typeMismatch {
            throw CommonsError.credentialsMalformed(path: origin, reason: "not a JSON object")
        } catch {
            throw CommonsError.credentialsMalformed(path: origin, reason: "not valid JSON")
        }
        guard let apiKey = file.apiKey, !apiKey.isEmpty else {
            throw CommonsError.credentialsMalformed(path: origin, reason: "no \"api_key\" string")
        }
        return Credentials(source: .apiKey(apiKey: apiKey, keyID: file.keyID), origin: origin)
    }

    /// The commons that issued the API key: its `iss` claim minus the `/user` suffix.
    public var issuerEndpoint: String? {
        if let endpoint { return endpoint }
        guard case .apiKey(let key, _) = source, let issuer = JWT.claims(of: key)?.iss else { return nil }
        var endpoint = issuer
        while endpoint.hasSuffix("/") { endpoint.removeLast() }
        if endpoint.hasSuffix("/user") { endpoint.removeLast(5) }
        return endpoint.isEmpty ? nil : endpoint
    }

    /// The body Fence's token endpoint expects.
    var tokenRequestBody: String? {
        guard case .apiKey(let key, let keyID) = source else { return nil }
        return SmallJSON.encode(File(apiKey: key, keyID: keyID))
    }
}
