import Digest
import Foundation
import Gen3TestCommons

/// A test commons, a credentials file, a manifest, a download directory and a job database, all in
/// one temporary directory; `gen3` runs against them as a user would.
public final class JobFixture {
    public let commons: TestCommons
    public let directory: TemporaryDirectory
    public var credentials: String { directory.file("credentials.json") }
    public var manifest: String { directory.file("manifest.json") }
    /// The job's `--db`: a SQLite file here, or a PostgreSQL database (`TestJobLocation`).
    public var database: String { job.location }
    private let job: TestJobLocation
    public var downloads: String { directory.file("data") }
    /// The file system mounted at `downloads`, when the fixture was asked for one.
    public let downloadFileSystem: PortableFileSystem?

    /// With `downloadsOn`, the download directory is the root of a new file system of that kind
    /// (`PortableFileSystem`), unmounted when the fixture goes.
    public init(
        objects: Int = 20, minSize: Int = 1024, maxSize: Int = 64 * 1024, postgres: Bool = false,
        downloadsOn fileSystem: PortableFileSystem.Kind? = nil, configure: (inout TestCommonsConfiguration) -> Void = { _ in }
    ) throws {
        var configuration = TestCommonsConfiguration()
        configuration.objectCount = objects
        configuration.minSize = minSize
        configuration.maxSize = maxSize
        configure(&configuration)
        commons = try TestCommons.start(configuration)
        let directory = TemporaryDirectory("gen3-job")
        self.directory = directory
        downloadFileSystem = try fileSystem.map { try PortableFileSystem($0, at: directory.file("data")) }
        job = try TestJobLocation(sqlitePath: directory.file("job.sqlite"), postgres: postgres)
        try commons.writeCredentials(to: credentials)
        try commons.writeManifest(to: manifest)
    }

    deinit {
        Gen3Process.stopStragglers()
        commons.stop()
        job.drop()
        // Before the temporary directory holding the mount point goes.
        downloadFileSystem?.unmount()
    }

    /// `gen3 --db <job> --endpoint <commons> --auth <credentials> <arguments>`.
    @discardableResult
    public func gen3(_ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
        try Gen3Process.run(
            ["--db", database, "--endpoint", commons.endpoint, "--auth", credentials] + arguments,
            directory: directory.path, environment: environment)
    }

    /// Imports the fixture's manifest (or another) into the job.
    @discardableResult
    public func importManifest(_ path: String? = nil, extra: [String] = []) throws -> ProcessResult {
        try gen3(["import-manifest", "--manifest", path ?? manifest, "--download-path", downloads] + extra)
    }

    /// Runs the job with fast retries, so fault tests finish quickly.
    @discardableResult
    public func run(_ extra: [String] = [], environment: [String: String] = [:]) throws -> ProcessResult {
        try gen3(["run", "--workers", "2", "--retry-base-delay", "0.05", "--retry-max-delay", "0.2"] + extra, environment: environment)
    }

    /// Starts `gen3 run` in the background (for signal and kill tests), in the job's directory; its
    /// stderr is `runErrors`.
    public func startRun(_ extra: [String] = []) throws -> Process {
        try Gen3Process.start(
            ["--db", database, "--endpoint", commons.endpoint, "--auth", credentials, "run", "--no-progress"] + extra,
            directory: directory.path, stdout: directory.file("run.out"), stderr: directory.file("run.err"))
    }

    /// What the run started by `startRun` wrote to stderr.
    public var runErrors: String { (try? String(contentsOfFile: directory.file("run.err"), encoding: .utf8)) ?? "" }

    /// One column of `gen3 sql`, as lines.
    public func sql(_ query: String) throws -> [String] {
        let result = try gen3(["sql", "--no-header", query])
        return result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }
    }

    /// The md5 of a downloaded file, or nil if it is not there.
    public func md5(ofDownloaded name: String) -> String? {
        guard let data = FileManager.default.contents(atPath: downloads + "/" + name) else { return nil }
        return MD5.hex(Array(data))
    }

    /// Files in the download directory, excluding gen3's own.
    public var downloadedFiles: [String] { TemporaryDirectory.listing(downloads) }
}
