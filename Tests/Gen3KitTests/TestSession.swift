@testable import Gen3Kit

/// A commons session for tests that build tasks without a worker: loopback port 9 (discard),
/// a fixed token, bulk requests on.
enum TestSession {
    static func make(endpoint: String = "http://127.0.0.1:9") -> CommonsSession {
        CommonsSession(
            endpoint: endpoint, requests: CommonsRequests(endpoint: endpoint, http: HTTPOptions(), protocolName: nil),
            tokens: AccessTokenProvider(endpoint: endpoint, credentials: Credentials(source: .accessToken("t"), origin: "test")),
            isPrimary: true, bulkEnabled: true)
    }
}

extension FileTask {
    /// A task of the test session's commons.
    convenience init(file: ClaimedFile) { self.init(file: file, session: TestSession.make()) }
}
