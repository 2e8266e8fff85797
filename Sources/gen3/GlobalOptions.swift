import ArgumentParser
import Foundation
import Gen3Kit

/// Options every command takes, before or after the subcommand's name.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long,
        help:
            "The commons: a host (my-commons.org, meaning https) or a URL. Default: $GEN3_ENDPOINT, else the job's, else the API key's issuer."
    )
    var endpoint: String?

    @Option(
        name: .customLong("auth"),
        help: ArgumentHelp(
            "Credentials: a credentials.json path, a name under ~/.gen3/ (prod → ~/.gen3/prod.json), accesstoken:///<token>, or idp://wts/<idp> inside a Gen3 Workspace. Default: the job's, else $GEN3_API_KEY, else ~/.gen3/credentials.json. Repeat as <commons>=<credentials> for the other commons a manifest's files are in (e.g. --auth https://nci-crdc.datacommons.io=crdc.json); a commons without one uses ~/.gen3/<host>.json.",
            valueName: "auth"))
    var authFlags: [String] = []

    /// The job's own commons' credentials (the last `--auth` that names no commons, else `--profile`).
    var auth: String? {
        ((try? CommonsAuth(flags: authFlags))?.primary) ?? profile.map { ClientProfile.scheme + $0 }
    }

    /// The other commons' credentials, by origin.
    var commonsAuth: [String: String] { (try? CommonsAuth(flags: authFlags))?.byCommons ?? [:] }

    @Option(
        name: .long,
        help:
            "A gen3-client profile: its api_key (or access_token) and api_endpoint from ~/.gen3/gen3_client_config.ini, instead of --auth.")
    var profile: String?

    @Option(name: .long, help: "The job database. Default: $GEN3_DB, else ./gen3-job.sqlite.")
    var db: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Also append the log to this file: the lines -v shows (or more with -vv), with times; never a token or signature.",
            valueName: "file"))
    var logFile: String?

    @Flag(name: .short, help: "More logging on stderr: -v for retries and timings, -vv for every request (tokens are never logged).")
    var verbose: Int

    /// The job database path.
    var databasePath: String {
        if let db { return db }
        if let environment = ProcessInfo.processInfo.environment["GEN3_DB"], !environment.isEmpty { return environment }
        return "gen3-job.sqlite"
    }

    /// The job database as messages show it: a PostgreSQL URL without its password.
    var shownDatabase: String {
        JobLocation.isPostgres(databasePath) ? PostgresConnection.redacted(databasePath) : databasePath
    }

    func validate() throws {
        do {
            _ = try CommonsAuth(flags: authFlags)
        } catch {
            throw ValidationError(error.localizedDescription)
        }
    }

    /// Merges the options given before the subcommand with those given after it.
    func merged(with parent: GlobalOptions) -> GlobalOptions {
        var merged = self
        merged.endpoint =
            endpoint ?? parent.endpoint ?? ProcessInfo.processInfo.environment["GEN3_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 }
        // Given after the subcommand wins, as the last of a repeated flag does.
        merged.authFlags = parent.authFlags + authFlags
        merged.db = db ?? parent.db
        merged.verbose = max(verbose, parent.verbose)
        merged.logFile = logFile ?? parent.logFile
        merged.profile = profile ?? parent.profile
        return merged
    }
}
