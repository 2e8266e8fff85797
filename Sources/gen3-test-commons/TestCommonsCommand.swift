import ArgumentParser
import Foundation
import Gen3TestCommons

/// `gen3-test-commons`: the loopback stand-in commons as a program, for the demo, the benchmark and
/// shell scripts. Serves until SIGINT or SIGTERM, then exits 0.
struct TestCommonsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gen3-test-commons",
        abstract: "Serve a stand-in Gen3 commons (Fence, indexd and a storage host) on loopback until SIGINT or SIGTERM.",
        discussion: """
            Prints "gen3-test-commons listening on <endpoint>" once both listeners accept connections. \
            Objects have deterministic GUIDs, sizes and content from --seed; their md5s are computed at start, \
            so very large sets take a while to start. GET <endpoint>/_stats answers the counters as JSON.

            With --federation N it serves N commons (prefixes dg.TEST1 … dg.TEST<N>, the first the hub with \
            the aggregate MDS), a DRS resolver and a Workspace Token Service, and prints a line for each.
            """)

    @Option(help: "Address of the control plane (Fence and indexd).")
    var host = "127.0.0.1"

    @Option(help: "Port of the control plane; 0 picks a free one.")
    var port = 0

    @Option(help: "Address of the storage host the presigned URLs point at (e.g. 127.0.0.2 for another host).")
    var storageHost = "127.0.0.1"

    @Option(help: "Port of the storage host; 0 picks a free one.")
    var storagePort = 0

    @Option(
        help:
            "http://host:port the presigned URLs name instead of the storage host's own address: a proxy in front of it, such as gen3-latency-proxy."
    )
    var storageURLBase: String?

    @Option(name: .customLong("objects"), help: "How many objects to serve.")
    var objectCount = 50

    @Option(help: "Seed of the objects' GUIDs, sizes and content.")
    var seed: UInt64 = 1

    @Option(help: "Smallest object, in bytes.")
    var minSize = 1024

    @Option(help: "Largest object, in bytes.")
    var maxSize = 256 * 1024

    @Option(help: "Seconds an access token lasts.")
    var tokenLifetime = 3600

    @Option(help: "Seconds a presigned URL lasts.")
    var presignedURLLifetime = 3600

    @Flag(
        name: .customLong("no-bulk-urls"),
        help:
            "Refuse POST /user/data/download/bulk (405), as Fence releases before mid-2026 do, so clients ask for one presigned URL per request."
    )
    var noBulkURLs = false

    @Option(
        help: ArgumentHelp(
            "Serve this many commons (2 to 9) with a DRS resolver and a Workspace Token Service.",
            discussion:
                "--objects, --seed and the sizes apply per commons (commons n uses seed + n - 1); --port and --storage-port to the hub.",
            valueName: "n"))
    var federation: Int?

    @Option(help: "Write a manifest of all the objects to this path (with --federation, the mixed manifest of every commons).")
    var writeManifest: String?

    @Option(help: "Format of --write-manifest: json, tsv or csv.")
    var manifestFormat: ManifestFileFormat = .json

    @Option(
        help:
            "Write a credentials file (an API key this commons accepts) to this path; with --federation, a directory to write <host:port>.json into for each commons."
    )
    var writeCredentials: String?

    @Option(
        help:
            "Once listening (and after writing the manifest and credentials), write the endpoint URL to this path, atomically by rename, so scripts can wait for the file. With --federation the hub's endpoint is the first line, then 'resolver <url>', 'wts <url>' and 'commons <prefix> <endpoint>' lines."
    )
    var readyFile: String?

    func validate() throws {
        guard objectCount >= 0 else { throw ValidationError("--objects must not be negative.") }
        guard minSize >= 0, minSize <= maxSize else { throw ValidationError("Need 0 <= --min-size <= --max-size.") }
        if let federation, !(2...9).contains(federation) { throw ValidationError("--federation takes 2 to 9 commons.") }
    }

    func run() throws {
        // Blocked before the event loop threads exist, so they inherit the mask and the signals
        // wait for sigwait below instead of killing the process.
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &signals, nil)

        let stop = try federation.map(serveFederation) ?? serveCommons()
        fflush(nil) // every output stream: stdout is global C state Swift 6 will not touch
        var received: Int32 = 0
        sigwait(&signals, &received)
        stop()
    }

    /// The one commons the options describe.
    var commonsConfiguration: TestCommonsConfiguration {
        var configuration = TestCommonsConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.storageHost = storageHost
        configuration.storagePort = storagePort
        configuration.storageURLBase = storageURLBase
        configuration.objectCount = objectCount
        configuration.seed = seed
        configuration.minSize = minSize
        configuration.maxSize = maxSize
        configuration.tokenLifetime = tokenLifetime
        configuration.presignedURLLifetime = presignedURLLifetime
        configuration.bulkPresignedURLs = !noBulkURLs
        return configuration
    }

    /// Starts one commons, writes the files asked for and says where it listens; returns its stop.
    private func serveCommons() throws -> () -> Void {
        let commons = try TestCommons.start(commonsConfiguration)
        if let writeManifest { try commons.writeManifest(to: writeManifest, format: manifestFormat) }
        if let writeCredentials { try commons.writeCredentials(to: writeCredentials) }
        if let readyFile { try Self.writeAtomically(commons.endpoint + "\n", to: readyFile) }
        print("gen3-test-commons listening on \(commons.endpoint)")
        print("storage host \(commons.storageEndpoint), \(objectCount) objects")
        return commons.stop
    }

    /// Writes to a temporary file beside `path`, then renames it over `path`: readers see all or nothing.
    static func writeAtomically(_ text: String, to path: String) throws {
        let temporary = path + ".tmp-\(getpid())"
        try text.write(toFile: temporary, atomically: false, encoding: .utf8)
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw ValidationError("Cannot write --ready-file \(path): \(reason)")
        }
    }
}
