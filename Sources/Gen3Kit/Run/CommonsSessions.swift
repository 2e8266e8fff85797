import Logging

/// The commons one worker talks to, each made the first time one of its files comes up: the job's
/// own (`primary`), and any other a file's commons was decided to be, with the credentials
/// `CommonsAuth` finds for it.
final class CommonsSessions {
    let primary: CommonsSession
    private let primaryOrigin: String?
    private var others: [String: CommonsSession] = [:]
    private let auth: CommonsAuth
    private let primaryCredentials: Credentials
    private let options: RunOptions
    private let protocolName: String?
    private let logger: Logger

    init(
        endpoint: String, credentials: Credentials, tokens: AccessTokenProvider?, auth: CommonsAuth, options: RunOptions,
        protocolName: String?, logger: Logger
    ) {
        let tokens =
            tokens
            ?? AccessTokenProvider(endpoint: endpoint, credentials: credentials, http: options.http, wtsURL: options.wtsURL, logger: logger)
        primary = CommonsSession(
            endpoint: endpoint,
            requests: CommonsRequests(endpoint: endpoint, http: options.http, protocolName: protocolName, connections: tokens.connections),
            tokens: tokens, isPrimary: true, bulkEnabled: options.bulkURLs)
        primaryOrigin = try? Endpoint.origin(of: endpoint)
        primaryCredentials = credentials
        self.auth = auth
        self.options = options
        self.protocolName = protocolName
        self.logger = logger
    }

    /// The session of the commons at `origin`; nil or the job's own origin is the job's endpoint.
    func session(for origin: String?) -> CommonsSession {
        guard let origin, origin != primaryOrigin else { return primary }
        if let known = others[origin] { return known }
        let session = make(origin)
        others[origin] = session
        if let refusal = session.refusal {
            logger.warning("\(refusal)")
        } else {
            logger.info("files from \(origin) use \(session.tokens?.credentialsOrigin ?? "no credentials")")
        }
        return session
    }

    private func make(_ origin: String) -> CommonsSession {
        let connections = try? CurlShare()
        let requests = CommonsRequests(endpoint: origin, http: options.http, protocolName: protocolName, connections: connections)
        let refused = { (reason: String) in
            CommonsSession(endpoint: origin, requests: requests, tokens: nil, isPrimary: false, bulkEnabled: false, refusal: reason)
        }
        guard Endpoint.isAllowed(origin, insecure: !options.http.verifyTLS) else {
            return refused("\(origin) is not https: its files are not fetched unless --insecure is given")
        }
        let credentials: Credentials
        do {
            guard let found = try find(origin) else {
                let host = origin.split(separator: "/").last.map(String.init) ?? origin
                let session = refused(
                    "no credentials for \(origin) (pass --auth \(origin)=<credentials.json from that commons> or save them as ~/.gen3/\(host).json), so its files were asked of the job's endpoint"
                )
                session.lacksCredentials = true
                return session
            }
            credentials = found
        } catch {
            return refused("the credentials for \(origin) cannot be used: \(error.localizedDescription)")
        }
        let tokens = AccessTokenProvider(
            endpoint: origin, credentials: credentials, http: options.http, wtsURL: options.wtsURL, connections: connections, logger: logger
        )
        return CommonsSession(endpoint: origin, requests: requests, tokens: tokens, isPrimary: false, bulkEnabled: options.bulkURLs)
    }

    /// Credentials given or saved for `origin`, else the Workspace Token Service's provider for it
    /// when the job's own credentials come from that service.
    private func find(_ origin: String) throws -> Credentials? {
        if let given = auth.find(for: origin) { return try CredentialsLocator.load(given) }
        guard case .workspaceToken = primaryCredentials.source else { return nil }
        let wts = options.wtsURL ?? primary.endpoint + "/wts"
        guard let idp = try WorkspaceTokenService.identityProvider(for: origin, wtsURL: wts, http: options.http) else { return nil }
        return Credentials(source: .workspaceToken(idp: idp), origin: "the Workspace Token Service (\(idp))")
    }
}
