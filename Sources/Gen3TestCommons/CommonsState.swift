import Foundation
import NIOConcurrencyHelpers

/// What the control plane and the storage host share: configuration, objects, faults, counters,
/// and the keys and addresses tokens and presigned URLs are made from. The listeners hold this,
/// not the ``TestCommons``, so dropping the last reference to a commons still stops it.
final class CommonsState: Sendable {
    private struct Addresses {
        var endpoint = ""
        var storageEndpoint = ""
        var apiKey = ""
    }

    let configuration: TestCommonsConfiguration
    let store: ObjectStore
    let faults = FaultPlan()
    let recorder = StatsRecorder()
    let signer: TestJWT
    /// Holds token answers (``TestCommonsConfiguration/holdTokensUntilMetadataAsked``).
    let tokenGate: TokenGate?
    private let addresses = NIOLockedValueBox(Addresses())
    private let aggregate = NIOLockedValueBox<[String: String]>([:])

    init(configuration: TestCommonsConfiguration) {
        self.configuration = configuration
        store = ObjectStore(configuration: configuration)
        signer = TestJWT(secret: configuration.apiKeySecret)
        tokenGate = configuration.holdTokensUntilMetadataAsked.map { TokenGate(timeout: $0) }
    }

    /// `http://host:port` of the control plane (empty until it listens).
    var endpoint: String { addresses.withLockedValue { $0.endpoint } }
    /// `http://host:port` of the storage host (empty until it listens).
    var storageEndpoint: String { addresses.withLockedValue { $0.storageEndpoint } }
    /// The one API key the token route accepts.
    var acceptedAPIKey: String { addresses.withLockedValue { $0.apiKey } }

    /// Records where the listeners ended up; the API key names the control plane, so it is made here.
    func listening(endpoint: String, storageEndpoint: String) {
        let key = apiKey(endpoint: endpoint, valid: true)
        addresses.withLockedValue { $0 = Addresses(endpoint: endpoint, storageEndpoint: storageEndpoint, apiKey: key) }
    }

    /// What the aggregate MDS answers: the host of each prefix it knows.
    var aggregateHosts: [String: String] {
        get { aggregate.withLockedValue { $0 } }
        set { aggregate.withLockedValue { $0 = newValue } }
    }

    /// The fault for this request, counted as fired.
    func takeFault(_ route: Route, guid: String?) -> Fault? {
        let fault = faults.take(route: route, guid: guid)
        if fault != nil { recorder.update { $0.faultsFired += 1 } }
        return fault
    }

    /// The fault `takeFault` would return, without using it up.
    func peekFault(_ route: Route, guid: String?) -> Fault? { faults.peek(route: route, guid: guid) }

    static var now: Int { Int(Date().timeIntervalSince1970) }

    // MARK: - Records

    /// The creation and update date of every record, in indexd's format: fixed, so answers repeat.
    static let recordDate = "2024-01-02T03:04:05.678901"

    /// `host:port` of the control plane: the host a `drs://host:port/<did>` URI, a manifest's
    /// `commons_url` and the aggregate MDS name this commons by.
    var authority: String {
        let endpoint = endpoint
        return endpoint.hasPrefix("http://") ? String(endpoint.dropFirst("http://".count)) : endpoint
    }

    /// The `s3://` URL indexd lists for `object`, which DRS gives as its S3 access URL.
    func bucketURL(of object: TestObject) -> String { "s3://gen3-test-bucket/\(object.index)/\(object.fileName)" }

    /// The compact DRS URI indexd answers as `self_uri`, `drs://<prefix>:<uuid>`; for a GUID
    /// without a prefix, the hostname form `drs://<host:port>/<guid>`.
    func selfURI(of object: TestObject) -> String {
        object.prefix.isEmpty ? "drs://\(authority)/\(object.guid)" : "drs://\(object.prefix):\(object.uuid)"
    }

    // MARK: - API keys and access tokens

    /// An API key as Fence issues them (`pur: api_key`); the invalid one is well formed and signed
    /// but is not the accepted key, as a revoked key would be.
    func apiKey(endpoint: String, valid: Bool) -> String {
        let jti = valid ? "5a1e0b7c-0000-4000-8000-00000000a9ed" : "5a1e0b7c-0000-4000-8000-00000000dead"
        return signer.make([
            "iss": endpoint + "/user", "aud": ["fence"], "sub": "1", "jti": jti, "iat": 1_700_000_000,
            "exp": 4_102_444_800, "pur": "api_key", "azp": "",
        ])
    }

    /// The `key_id` of a credentials file: the API key's `jti`, as in Fence's downloads.
    func apiKeyID(valid: Bool) -> String {
        valid ? "5a1e0b7c-0000-4000-8000-00000000a9ed" : "5a1e0b7c-0000-4000-8000-00000000dead"
    }

    /// A fresh access token for the test user, lasting `tokenLifetime` seconds.
    func issueAccessToken() -> String {
        let now = Self.now
        return signer.make([
            "iss": endpoint + "/user", "aud": ["openid", "user", "data"], "sub": "1", "iat": now,
            "exp": now + configuration.tokenLifetime, "jti": UUID().uuidString.lowercased(),
            "pur": "access", "context": ["user": ["name": "test-user"]],
        ])
    }

    /// Whether `token` is an access token of this commons that has not expired.
    func isValidAccessToken(_ token: String) -> Bool {
        guard let claims = signer.claims(of: token), claims["pur"] as? String == "access",
            claims["iss"] as? String == endpoint + "/user", let exp = claims["exp"] as? Int
        else { return false }
        return exp > Self.now
    }

    // MARK: - Presigned URLs

    /// `<storage>/objects/<index>?expires=<unix>&sig=<hex>`, already expired when `expired`; `<storage>`
    /// is `storageURLBase` when one is set.
    func presignedURL(for object: TestObject, expired: Bool = false) -> String {
        let expires = Self.now + (expired ? -60 : configuration.presignedURLLifetime)
        let base = configuration.storageURLBase ?? storageEndpoint
        return "\(base)/objects/\(object.index)?expires=\(expires)&sig=\(urlSignature(index: object.index, expires: expires))"
    }

    func urlSignature(index: Int, expires: Int) -> String {
        signer.hexSignature("GET\n/objects/\(index)\n\(expires)")
    }
}
