import Logging

/// Everything a run needs besides the job table: which commons, with which credentials.
/// Resolved once, before any work, so a bad key or endpoint stops the run with exit status 2.
package struct JobContext {
    package let endpoint: String
    package let credentials: Credentials

    /// The endpoint: the flag, else the job's setting, else the API key's issuer. The credentials:
    /// the flag, else the job's path, else the default locations.
    package static func resolve(settings: JobSettings, endpointFlag: String?, authFlag: String?) throws -> JobContext {
        let credentials = try CredentialsLocator.load(authFlag ?? settings.credentialsPath)
        let endpoint = try Endpoint.resolve(flag: endpointFlag ?? settings.endpoint, credentials: credentials)
        return JobContext(endpoint: endpoint, credentials: credentials)
    }

    /// Fetches one access token to prove the key works before any worker starts. The provider
    /// holds it: a worker in this process goes on with it instead of asking Fence again.
    @discardableResult
    package func verify(http: HTTPOptions, wtsURL: String? = nil, logger: Logger? = nil) throws -> AccessTokenProvider {
        let tokens = AccessTokenProvider(endpoint: endpoint, credentials: credentials, http: http, wtsURL: wtsURL, logger: logger)
        try tokens.refresh()
        return tokens
    }
}
