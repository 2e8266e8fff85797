import Foundation

/// Finds the credentials the way the Gen3 SDK does: a path; a name under `~/.gen3/` (`prod` →
/// `~/.gen3/prod.json`); `accesstoken:///<token>`; else `GEN3_API_KEY` (a path or the JSON itself);
/// else `~/.gen3/credentials.json`.
package enum CredentialsLocator {
    package static let accessTokenScheme = "accesstoken:///"
    /// `idp://wts/<idp>`: tokens from the Workspace Token Service (`Credentials.Source.workspaceToken`).
    package static let workspaceTokenScheme = "idp://wts/"

    package static func load(_ auth: String?) throws -> Credentials {
        if let auth, !auth.isEmpty {
            if auth.hasPrefix(ClientProfile.scheme) {
                return try ClientProfile.load(String(auth.dropFirst(ClientProfile.scheme.count)))
            }
            if auth.hasPrefix(workspaceTokenScheme) {
                let idp = String(auth.dropFirst(workspaceTokenScheme.count))
                guard !idp.isEmpty, !idp.contains("/") else {
                    throw CommonsError.credentialsMalformed(path: auth, reason: "expected idp://wts/<identity provider>")
                }
                return Credentials(source: .workspaceToken(idp: idp), origin: "the Workspace Token Service (\(idp))")
            }
            if auth.hasPrefix(accessTokenScheme) {
                let token = String(auth.dropFirst(accessTokenScheme.count))
                guard !token.isEmpty else { throw CommonsError.credentialsMalformed(path: "--auth", reason: "empty access token") }
                return Credentials(source: .accessToken(token), origin: "an access token")
            }
            return try Credentials.load(path: resolvePath(auth))
        }
        if let environment = getenv("GEN3_API_KEY").map({ String(cString: $0) }), !environment.isEmpty {
            if environment.hasPrefix("{") {
                return try Credentials.parse(Data(environment.utf8), origin: "GEN3_API_KEY")
            }
            return try Credentials.load(path: environment)
        }
        return try Credentials.load(path: "~/.gen3/credentials.json")
    }

    /// What the job may record of `--auth`: a file's path, never a token.
    package static func storablePath(_ auth: String?) -> String? {
        guard let auth, !auth.isEmpty, !auth.hasPrefix(accessTokenScheme) else { return nil }
        if auth.hasPrefix(ClientProfile.scheme) || auth.hasPrefix(workspaceTokenScheme) { return auth }
        return resolvePath(auth)
    }

    /// `prod` means `~/.gen3/prod.json` when no file `prod` exists here.
    package static func resolvePath(_ auth: String) -> String {
        if auth.contains("/") || FilePaths.exists(auth) { return FilePaths.absolute(auth) }
        let named = "~/.gen3/" + (auth.hasSuffix(".json") ? auth : auth + ".json")
        let expanded = FilePaths.absolute(named)
        return FilePaths.exists(expanded) ? expanded : FilePaths.absolute(auth)
    }
}
