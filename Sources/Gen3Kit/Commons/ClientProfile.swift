import Foundation

/// A gen3-client profile: a section of `~/.gen3/gen3_client_config.ini`, the file gen3-client's
/// `configure` writes (`api_key`, `key_id`, `access_token`, `api_endpoint`). `--profile NAME`
/// reads it, so gen3-client users need no other credentials file.
package enum ClientProfile {
    /// How `--profile NAME` travels as an `--auth` value (to worker processes, and in the job).
    package static let scheme = "profile://"

    /// The config file gen3-client writes.
    static var path: String { FilePaths.absolute("~/.gen3/gen3_client_config.ini") }

    /// The credentials of profile `name`: its API key (with its key id), else its access token;
    /// they name the profile's `api_endpoint` as their commons.
    static func load(_ name: String, from path: String = ClientProfile.path) throws -> Credentials {
        guard let data = FileManager.default.contents(atPath: path) else { throw CommonsError.credentialsMissing(path: path) }
        let sections = parse(String(decoding: data, as: UTF8.self))
        guard let fields = sections[name] else {
            let known = sections.keys.sorted().joined(separator: ", ")
            throw CommonsError.credentialsMalformed(path: path, reason: "no profile [\(name)]; it has \(known.isEmpty ? "none" : known)")
        }
        let origin = "\(path) [\(name)]"
        let endpoint = fields["api_endpoint"].flatMap { $0.isEmpty ? nil : $0 }
        if let key = fields["api_key"], !key.isEmpty {
            return Credentials(source: .apiKey(apiKey: key, keyID: fields["key_id"]), origin: origin, endpoint: endpoint)
        }
        if let token = fields["access_token"], !token.isEmpty {
            return Credentials(source: .accessToken(token), origin: origin, endpoint: endpoint)
        }
        throw CommonsError.credentialsMalformed(path: origin, reason: "neither api_key nor access_token is set")
    }

    /// `[section]` headers and `key = value` lines; `;` and `#` start comments.
    static func parse(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix(";") || line.hasPrefix("#") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                let name = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                current = name
                sections[name, default: [:]] = sections[name] ?? [:]
                continue
            }
            guard let current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            sections[current]?[key] = value
        }
        return sections
    }
}
