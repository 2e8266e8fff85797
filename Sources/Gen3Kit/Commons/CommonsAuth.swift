/// Which credentials open which commons. `--auth` may be given once for the job's own commons (a
/// path, a name under `~/.gen3/`, `accesstoken:///…`, `profile://…`, `idp://wts/<idp>`) and once per
/// other commons as `<commons>=<credentials>`; a commons with none given uses
/// `~/.gen3/<host>.json` when that file exists, else a token from the Workspace Token Service when
/// the job's own credentials come from it.
package struct CommonsAuth: Equatable, Sendable {
    /// The job's own commons' credentials as given (nil: the job's, else the defaults).
    package var primary: String?
    /// Credentials per commons origin (`Endpoint.origin`), as given.
    package var byCommons: [String: String]

    package init(primary: String? = nil, byCommons: [String: String] = [:]) {
        self.primary = primary
        self.byCommons = byCommons
    }

    /// Reads the `--auth` values in order: `<commons>=<credentials>` names a commons; anything else
    /// is the job's own (the last one given wins). An existing file whose name holds `=` is a path.
    package init(flags: [String]) throws {
        self.init()
        for flag in flags {
            if let (origin, auth) = try Self.split(flag) {
                byCommons[origin] = auth
            } else {
                primary = flag
            }
        }
    }

    /// `<commons>=<credentials>` split, or nil when `flag` is not of that form.
    private static func split(_ flag: String) throws -> (String, String)? {
        guard let equals = flag.firstIndex(of: "="), !FilePaths.exists(flag) else { return nil }
        let commons = String(flag[..<equals])
        let auth = String(flag[flag.index(after: equals)...])
        // A path may hold "=", but a commons has no "/" after its scheme and names a host.
        let host = commons.range(of: "://").map { String(commons[$0.upperBound...]) } ?? commons
        guard !host.isEmpty, !host.contains("/"), host.contains(".") || host.contains(":") || host == "localhost" else { return nil }
        guard !auth.isEmpty else {
            throw CommonsError.credentialsMalformed(path: flag, reason: "nothing after \"=\": give the credentials for \(commons)")
        }
        return (try Endpoint.origin(of: commons), auth)
    }

    /// The credentials for `origin`: given for it, else `~/.gen3/<host:port>.json` or
    /// `~/.gen3/<host>.json`; nil when there are none (`CommonsSessions` then tries the WTS).
    package func find(for origin: String) -> String? {
        if let given = byCommons[origin] { return given }
        let authority = origin.range(of: "://").map { String(origin[$0.upperBound...]) } ?? origin
        let host = authority.hasPrefix("[") ? authority : String(authority.prefix { $0 != ":" })
        for name in [authority, host] {
            let path = FilePaths.absolute("~/.gen3/\(name).json")
            if FilePaths.exists(path) { return path }
        }
        return nil
    }

    /// What the job may record of the per-commons credentials: paths and references, never a token.
    package var storable: [String: String] {
        byCommons.compactMapValues { CredentialsLocator.storablePath($0) }
    }
}
