import ArgumentParser
import Foundation
import Gen3TestCommons

/// `gen3-test-commons`: the loopback stand-in commons as a program, for the demo and the benchmark.
struct TestCommonsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gen3-test-commons",
        abstract: "Serve a stand-in Gen3 commons (Fence, indexd and a storage host) on loopback until SIGINT/SIGTERM.")

    @Option(help: "Address of the API (Fence, indexd).") var host = "127.0.0.1"
    @Option(help: "Port of the API; 0 picks a free one.") var port = 0
    @Option(help: "Address of the storage host presigned URLs point at.") var storageHost = "127.0.0.1"
    @Option(help: "Port of the storage host; 0 picks a free one.") var storagePort = 0
    @Option(help: "How many objects to serve.") var objects = 50
    @Option(help: "Seed of the objects' GUIDs, sizes and content.") var seed: UInt64 = 1
    @Option(help: "Smallest object, in bytes.") var minSize = 1024
    @Option(help: "Largest object, in bytes.") var maxSize = 256 * 1024
    @Option(help: "Seconds an access token lasts.") var tokenLifetime = 3600
    @Option(help: "Write a manifest of the objects here.") var writeManifest: String?
    @Option(help: "The manifest's format: json, tsv or csv.") var manifestFormat = "json"
    @Option(help: "Write a credentials.json (an API key this commons accepts) here.") var writeCredentials: String?
    @Option(help: "Once listening, write the endpoint URL here (atomically), so scripts wait without sleeping.") var readyFile: String?

    func run() throws {
        var configuration = TestCommonsConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.storageHost = storageHost
        configuration.storagePort = storagePort
        configuration.objectCount = objects
        configuration.seed = seed
        configuration.minSize = minSize
        configuration.maxSize = maxSize
        configuration.tokenLifetime = tokenLifetime
        let commons = try TestCommons.start(configuration)
        if let writeManifest {
            guard let format = ManifestFileFormat(rawValue: manifestFormat) else { throw ValidationError("--manifest-format: json, tsv or csv") }
            try commons.writeManifest(to: writeManifest, format: format)
        }
        if let writeCredentials { try commons.writeCredentials(to: writeCredentials) }
        if let readyFile {
            try commons.endpoint.write(toFile: readyFile + ".tmp", atomically: false, encoding: .utf8)
            guard rename(readyFile + ".tmp", readyFile) == 0 else { throw ValidationError("cannot write \(readyFile)") }
        }
        print("gen3-test-commons listening on \(commons.endpoint) (storage \(commons.storageBase)), \(objects) objects")
        fflush(stdout)
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        var received: Int32 = 0
        sigwait(&signals, &received)
        commons.stop()
    }
}

TestCommonsCommand.main()
