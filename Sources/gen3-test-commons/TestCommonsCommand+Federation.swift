import Gen3TestCommons

extension TestCommonsCommand {
    /// Starts `count` commons with their resolver and WTS, writes the files asked for and prints a
    /// line per listener, the hub's endpoint first as in one-commons mode; returns their stop.
    func serveFederation(_ count: Int) throws -> () -> Void {
        var configuration = TestFederationConfiguration()
        configuration.commonsCount = count
        configuration.commons = commonsConfiguration
        let federation = try TestFederation.start(configuration)
        if let writeManifest { try federation.writeMixedManifest(to: writeManifest, format: manifestFormat) }
        if let writeCredentials { try federation.writeCredentials(directory: writeCredentials) }
        var services = ["resolver \(federation.resolverEndpoint)", "wts \(federation.wtsEndpoint)"]
        services += federation.commons.map { "commons \($0.configuration.guidPrefix) \($0.endpoint)" }
        if let readyFile {
            try Self.writeAtomically(([federation.hub.endpoint] + services).joined(separator: "\n") + "\n", to: readyFile)
        }
        print("gen3-test-commons listening on \(federation.hub.endpoint)")
        for (index, commons) in federation.commons.enumerated() {
            let roles = [
                federation.aggregatePrefixes.contains(commons.configuration.guidPrefix) ? "in the MDS" : nil,
                federation.distHintedPrefixes.contains(commons.configuration.guidPrefix) ? "hinted in _dist" : nil,
            ].compactMap { $0 }
            print(
                "commons \(commons.configuration.guidPrefix) \(commons.endpoint) storage \(commons.storageEndpoint)"
                    + " idp \(federation.identityProviders[index]), \(objectCount) objects"
                    + (index == 0 ? ", hub serving the aggregate MDS" : "")
                    + (roles.isEmpty ? ", found only through the resolver's /index" : ", " + roles.joined(separator: " and ")))
        }
        print("resolver \(federation.resolverEndpoint)")
        print("wts \(federation.wtsEndpoint)")
        return federation.stop
    }
}
