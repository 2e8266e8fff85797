import Foundation
import Logging

/// A Gen3 data commons, for Swift programs: the same engine as the `gen3` command, run in this
/// process (one worker, many concurrent transfers), with the job kept in SQLite so a call that was
/// interrupted resumes where it stopped.
///
/// ```swift
/// let commons = try Gen3Commons(credentialsPath: "credentials.json")
/// let result = try await commons.download(manifest: "files.json", to: "./data")
/// print(result.succeeded.count, result.failed.map(\.error))
/// ```
public final class Gen3Commons: Sendable {
    /// The commons' base URL.
    public let endpoint: String
    /// Prints redacted: where they came from, never the key.
    public let credentials: Credentials
    /// Where the engine's retries and failures are logged.
    public let logger: Logger

    /// - Parameters:
    ///   - credentialsPath: a `credentials.json` from the commons' profile page.
    ///   - endpoint: the commons; default: the one that issued the API key.
    ///   - logger: where the engine logs retries and failures.
    public convenience init(credentialsPath: String, endpoint: String? = nil, logger: Logger = Logger(label: "gen3")) throws {
        try self.init(credentials: try Credentials.load(path: credentialsPath), endpoint: endpoint, logger: logger)
    }

    /// A commons reached with credentials already loaded (`Credentials.load(path:)`).
    public init(credentials: Credentials, endpoint: String? = nil, logger: Logger = Logger(label: "gen3")) throws {
        self.credentials = credentials
        self.logger = logger
        self.endpoint = try Endpoint.resolve(flag: endpoint, credentials: credentials)
    }

    /// Fetches an access token: proves the key works.
    public func verifyCredentials(http: HTTPOptions = HTTPOptions()) async throws {
        let endpoint = endpoint
        let credentials = credentials
        _ = try await Self.onThread { try AccessTokenProvider(endpoint: endpoint, credentials: credentials, http: http).refresh() }
    }

    /// Downloads every file of a manifest (JSON, TSV or CSV) into `directory`.
    public func download(
        manifest path: String, to directory: String,
        options: BulkDownloadOptions = BulkDownloadOptions()
    ) async throws -> BulkDownloadResult {
        try await download(to: directory, options: options) { store, importOptions in
            _ = try ManifestImporter(store: store).importManifest(path: path, options: importOptions)
        }
    }

    /// Downloads the given files into `directory`.
    public func download(
        _ entries: [ManifestEntry], to directory: String,
        options: BulkDownloadOptions = BulkDownloadOptions()
    ) async throws -> BulkDownloadResult {
        try await download(to: directory, options: options) { store, importOptions in
            _ = try ManifestImporter(store: store).importEntries(
                from: ListManifestReader(entries), source: "api", options: importOptions,
                large: entries.count >= ManifestImporter.rollbackJournalEntries)
        }
    }

    /// Opens the job store of a download directory, e.g. to query its `files` table.
    public func jobStore(for directory: String, options: BulkDownloadOptions = BulkDownloadOptions()) throws -> JobStore {
        try JobStore(path: Self.databasePath(directory, options))
    }

    /// Imports, then runs the job through `JobRun` in this process: dead leases are released and the
    /// download path checked as for `gen3 run`; cancelling the calling `Task` stops the run as
    /// SIGTERM stops `gen3 run` (transfers get their grace period, nothing is lost) and throws
    /// `CancellationError`.
    private func download(
        to directory: String, options: BulkDownloadOptions,
        importing: @escaping @Sendable (JobStore, ImportOptions) throws -> Void
    ) async throws -> BulkDownloadResult {
        let endpoint = endpoint
        let credentials = credentials
        let logger = logger
        let stop = RunStop(.cancellation)
        return try await withTaskCancellationHandler {
            try await Self.onThread {
                let downloadPath = FilePaths.absolute(directory)
                guard FilePaths.makeDirectories(downloadPath + "/.gen3") else {
                    throw RunError.downloadPathUnusable(downloadPath, reason: String(cString: strerror(errno)))
                }
                let databasePath = Self.databasePath(downloadPath, options)
                let store = try JobStore(path: databasePath)
                try importing(
                    store,
                    ImportOptions(
                        downloadPath: downloadPath, filenameFormat: options.filenameFormat,
                        rename: options.rename, endpoint: endpoint, protocolName: options.protocolName))
                let run = JobRun(
                    databasePath: databasePath, store: store, settings: try store.requireSettings(),
                    context: JobContext(endpoint: endpoint, credentials: credentials), auth: nil,
                    options: options.runOptions, workers: .inProcess, stop: stop, logger: logger)
                let result = try run.run()
                if result.cancelled { throw CancellationError() }
                return BulkDownloadResult(
                    succeeded: try store.guids(in: .done), failed: try store.failures(),
                    skipped: try store.guids(in: .skipped))
            }
        } onCancel: {
            stop.cancel()
        }
    }

    private static func databasePath(_ directory: String, _ options: BulkDownloadOptions) -> String {
        options.database ?? FilePaths.absolute(directory) + "/.gen3/jobs.sqlite"
    }

    /// Runs blocking work (curl's multi loop, SQLite) on its own thread, off the caller's executor.
    private static func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try work() }) }
            thread.start()
        }
    }
}
