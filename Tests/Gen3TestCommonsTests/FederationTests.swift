import Digest
import Gen3TestCommons
import XCTest

/// Several commons with a resolver, a WTS and an aggregate MDS, as a multi-commons client meets them.
final class FederationTests: XCTestCase {
    private var federation: TestFederation!

    override func setUpWithError() throws {
        var configuration = TestFederationConfiguration()
        configuration.commonsCount = 4
        configuration.commons.objectCount = 6
        configuration.commons.tokenLifetime = 300
        federation = try TestFederation.start(configuration) { index, commons in
            if index == 3 { commons.fenceDownloadRoute = false }
        }
    }

    override func tearDown() { federation.stop() }

    func testEachCommonsHasItsOwnPrefixObjectsAndKeys() throws {
        XCTAssertEqual(federation.commons.count, 4)
        XCTAssertTrue(federation.hub === federation.commons[0])
        XCTAssertEqual(federation.commons.map(\.configuration.guidPrefix), ["dg.TEST1", "dg.TEST2", "dg.TEST3", "dg.TEST4"])
        XCTAssertEqual(Set(federation.commons.map(\.endpoint)).count, 4)
        XCTAssertEqual(Set(federation.commons.map(\.storageEndpoint)).count, 4)
        XCTAssertEqual(Set(federation.commons.flatMap { $0.objects.map(\.uuid) }).count, 24, "distinct seeds, distinct GUIDs")
        XCTAssertEqual(federation.identityProviders, ["commons1", "commons2", "commons3", "commons4"])
        XCTAssertFalse(federation.commons[3].configuration.fenceDownloadRoute)

        let (first, second) = (federation.commons[0], federation.commons[1])
        let token = try CommonsClient(commons: first).accessToken()
        let bearer = ["-H", "Authorization: Bearer \(token)"]
        let theirs = second.objects[0]
        XCTAssertEqual(try CommonsClient(commons: second).download(theirs.guid, token: token).status, 401)
        XCTAssertEqual(try Curl.run(second.endpoint + "/ga4gh/drs/v1/objects/\(theirs.guid)/access/s3", bearer).status, 401)
        XCTAssertEqual(
            try Curl.run(
                second.endpoint + "/user/credentials/cdis/access_token", ["-X", "POST", "--data-binary", first.credentialsJSON()]
            ).status, 401)
        XCTAssertEqual(federation.misdirectedAuthorizations, 2, "commons 1's token reached commons 2 twice")
        XCTAssertEqual(second.stats.authorizations[second.endpoint], [first.endpoint + "/user": 2])
        XCTAssertEqual(try CommonsClient(commons: first).download(first.objects[0].guid, token: token).status, 200)
        XCTAssertEqual(federation.misdirectedAuthorizations, 2, "a token at its own commons is not misdirected")
        XCTAssertTrue(federation.commons(owning: theirs.uuid) === second)
        XCTAssertNil(federation.commons(owning: "dg.TEST9/" + theirs.uuid))
    }

    func testTheHubsAggregateMDSKnowsTheDefaultSubset() throws {
        XCTAssertEqual(federation.aggregatePrefixes, ["dg.TEST1", "dg.TEST2"])
        XCTAssertEqual(federation.distHintedPrefixes, ["dg.TEST1", "dg.TEST2", "dg.TEST3"])
        for (index, commons) in federation.commons.enumerated() {
            let answer = try Curl.run(federation.hub.endpoint + "/mds/aggregate/info/" + commons.configuration.guidPrefix)
            if index < 2 {
                XCTAssertEqual(try answer.json() as? [String: String], ["host": commons.authority])
            } else {
                XCTAssertEqual(answer.status, 404)
            }
        }
        XCTAssertEqual(federation.hub.stats.requests[.aggregateInfo], 4)
    }

    func testTheResolversDistListsEveryCommonsWithHintsForSome() throws {
        let result = try Curl.run(federation.resolverEndpoint + "/index/_dist")
        XCTAssertEqual(result.status, 200)
        let entries = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.body)) as? [[String: Any]])
        XCTAssertEqual(entries.count, 5)
        for (index, commons) in federation.commons.enumerated() {
            let entry = entries[index]
            XCTAssertEqual(entry["host"] as? String, commons.endpoint + "/index/")
            XCTAssertEqual(entry["name"] as? String, federation.names[index])
            XCTAssertEqual(entry["type"] as? String, "indexd")
            let hints = try XCTUnwrap(entry["hints"] as? [String])
            if index < 3 {
                XCTAssertEqual(hints, [".*dg\\.TEST\(index + 1).*"])
                let regex = try NSRegularExpression(pattern: "^" + hints[0] + "$")
                let guid = commons.objects[0].guid
                XCTAssertNotNil(regex.firstMatch(in: guid, range: NSRange(guid.startIndex..., in: guid)))
            } else {
                XCTAssertEqual(hints, [])
            }
        }
        XCTAssertEqual(entries[4]["type"] as? String, "doi")
        XCTAssertEqual(federation.serviceStats.requests[.resolverDist], 1)
    }

    func testTheResolverFindsAnyCommonsObjectAndSaysWhere() throws {
        for (index, commons) in federation.commons.enumerated() {
            let object = commons.objects[2]
            let prefix = commons.configuration.guidPrefix
            for did in [object.guid, prefix + "%2F" + object.uuid, prefix + "%2f" + object.uuid, object.uuid] {
                let result = try Curl.run(federation.resolverEndpoint + "/index/" + did)
                XCTAssertEqual(result.status, 200, "\(did): \(result.text)")
                let record = try result.json()
                XCTAssertEqual(record["did"] as? String, object.guid)
                XCTAssertEqual((record["hashes"] as? [String: String])?["md5"], object.md5)
                let from = try XCTUnwrap(record["from_index_service"] as? [String: String])
                XCTAssertEqual(from, ["host": commons.endpoint + "/index/", "name": federation.names[index]])
            }
        }
        for did in [federation.hub.objects[0].guid + "/", "dg.TEST1/00000000-0000-4000-8000-000000000000"] {
            let missing = try Curl.run(federation.resolverEndpoint + "/index/" + did)
            XCTAssertEqual(missing.status, 404)
            XCTAssertNotNil(try missing.json()["error"] as? String)
        }
        XCTAssertEqual(federation.serviceStats.requests[.resolverIndex], 18)
        XCTAssertEqual(federation.commons.compactMap { $0.stats.requests[.index] }, [], "the commons were asked nothing")

        federation.setServiceFault(.status(503, at: .resolverIndex, retryAfter: 5), guid: federation.commons[2].objects[0].guid)
        let refused = try Curl.run(federation.resolverEndpoint + "/index/" + federation.commons[2].objects[0].uuid)
        XCTAssertEqual(refused.status, 503)
        XCTAssertEqual(refused.headers["retry-after"], "5")
        federation.setServiceFault(.status(500, at: .resolverDist), times: .always)
        XCTAssertEqual(try Curl.run(federation.resolverEndpoint + "/index/_dist").status, 500)
        federation.clearServiceFaults()
        XCTAssertEqual(try Curl.run(federation.resolverEndpoint + "/index/_dist").status, 200)
        XCTAssertEqual(federation.serviceStats.faultsFired, 2)
    }

    func testTheWTSListsAProviderPerCommonsAndIssuesEachOnesTokens() throws {
        let listed = try Curl.run(federation.wtsEndpoint + "/wts/external_oidc/")
        XCTAssertEqual(listed.status, 200)
        let providers = try XCTUnwrap(try listed.json()["providers"] as? [[String: Any]])
        XCTAssertEqual(providers.map { $0["base_url"] as? String }, federation.commons.map(\.endpoint))
        XCTAssertEqual(providers.map { $0["idp"] as? String }, federation.identityProviders)
        for provider in providers {
            XCTAssertNotNil(provider["name"] as? String)
            XCTAssertNotNil(provider["refresh_token_expiration"] as? String)
            let urls = try XCTUnwrap(provider["urls"] as? [[String: String]])
            XCTAssertTrue(urls.first?["url"]?.hasPrefix(federation.wtsEndpoint + "/wts/oauth2/authorization_url?idp=") ?? false)
        }
        XCTAssertEqual(try Curl.run(federation.wtsEndpoint + "/wts/external_oidc").status, 200)

        for (index, commons) in federation.commons.enumerated() {
            let answer = try Curl.run(federation.wtsEndpoint + "/wts/token/?idp=" + federation.identityProviders[index])
            XCTAssertEqual(answer.status, 200, answer.text)
            let token = try XCTUnwrap(try answer.json()["token"] as? String)
            let claims = try CommonsClient.claims(of: token)
            XCTAssertEqual(claims["iss"] as? String, commons.endpoint + "/user")
            XCTAssertEqual((claims["exp"] as? Int).map { $0 - (claims["iat"] as? Int ?? 0) }, 300)
            let object = commons.objects[1]
            let access = try Curl.run(
                commons.endpoint + "/ga4gh/drs/v1/objects/\(object.guid)/access/s3", ["-H", "Authorization: Bearer \(token)"])
            XCTAssertEqual(access.status, 200, access.text)
            XCTAssertEqual(commons.stats.wtsTokensIssued, 1)
            XCTAssertEqual(commons.stats.accessTokens, [token])
            XCTAssertEqual(commons.stats.tokensIssued, 0)
        }
        let fallback = try Curl.run(federation.wtsEndpoint + "/wts/token/?idp=default")
        XCTAssertEqual(
            try CommonsClient.claims(of: try XCTUnwrap(try fallback.json()["token"] as? String))["iss"] as? String,
            federation.hub.endpoint + "/user")
        XCTAssertEqual(try Curl.run(federation.wtsEndpoint + "/wts/token/?idp=nobody").status, 400)
        XCTAssertEqual(federation.serviceStats.requests[.wtsProviders], 2)
        XCTAssertEqual(federation.serviceStats.requests[.wtsToken], 6)
        XCTAssertEqual(federation.misdirectedAuthorizations, 0)
        for endpoint in [federation.wtsEndpoint, federation.resolverEndpoint] {
            let stats = try Curl.run(endpoint + "/_stats").json()
            XCTAssertEqual((stats["requests"] as? [String: Int])?["wts_token"], 6)
        }
        let hubStats = try Curl.run(federation.hub.endpoint + "/_stats").json()
        XCTAssertEqual(hubStats["wts_tokens_issued"] as? Int, 2, "its own idp and the default")

        federation.setServiceFault(.status(502, at: .wtsToken))
        XCTAssertEqual(try Curl.run(federation.wtsEndpoint + "/wts/token/?idp=commons2").status, 502)
        _ = try Curl.run(federation.wtsEndpoint + "/wts/external_oidc/", ["-H", "Authorization: Bearer leaked"])
        XCTAssertEqual(federation.misdirectedAuthorizations, 1, "the WTS takes no token")
        XCTAssertEqual(federation.serviceStats.authorizationHeaders(at: federation.wtsEndpoint), 1)
    }

    func testCredentialsAreNamedByEachCommonsHostAndWorkOnlyThere() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("federation-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let paths = try federation.writeCredentials(directory: directory + "/.gen3")
        XCTAssertEqual(Set(paths.keys), Set(federation.commons.map(\.endpoint)))
        for (index, commons) in federation.commons.enumerated() {
            let path = try XCTUnwrap(paths[commons.endpoint])
            XCTAssertEqual(path, directory + "/.gen3/" + commons.authority + ".json")
            let other = federation.commons[(index + 1) % federation.commons.count]
            for (target, status) in [(commons, 200), (other, 401)] {
                let result = try Curl.run(
                    target.endpoint + "/user/credentials/cdis/access_token", ["-X", "POST", "--data-binary", "@" + path])
                XCTAssertEqual(result.status, status, "\(path) at \(target.endpoint)")
            }
        }
    }

    func testTheMixedManifestSpellsEachRowAsDocumented() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("federation-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try federation.writeMixedManifest(to: directory + "/manifest.json")
        let entries = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/manifest.json"))) as? [[String: Any]])
        let rows = federation.mixedManifestRows
        XCTAssertEqual(entries.count, 24)
        XCTAssertEqual(rows.count, 24)
        XCTAssertEqual(rows.prefix(4).map(\.commons), [0, 1, 2, 3], "commons by commons for each object position")

        var formsSeen: Set<ManifestIdentifierForm> = []
        var compactPrefixes: Set<String> = []
        for (entry, row) in zip(entries, rows) {
            let id = try XCTUnwrap(entry["object_id"] as? String)
            XCTAssertEqual(id, row.objectID)
            XCTAssertEqual(entry["file_size"] as? Int, row.object.size)
            XCTAssertEqual(entry["md5sum"] as? String, row.object.md5)
            XCTAssertEqual(entry["file_name"] as? String, row.object.fileName)
            XCTAssertEqual(entry["commons_url"] as? String, row.commonsURL)
            let owner = federation.commons[row.commons]
            let position = try XCTUnwrap(owner.objects.firstIndex(of: row.object))
            XCTAssertEqual(row.form, ManifestIdentifierForm.of(object: position, commons: row.commons))
            formsSeen.insert(row.form)

            // Classify the row as a client would, from the text alone.
            let classified: ManifestIdentifierForm
            var resolved: TestCommons?
            if let url = entry["commons_url"] as? String {
                classified = .commonsURL
                resolved = federation.commons.first { $0.authority == url }
            } else if id.hasPrefix("drs://"), let slash = id.dropFirst(6).firstIndex(of: "/") {
                classified = .hostDRSURI
                let host = String(id.dropFirst(6)[..<slash])
                resolved = federation.commons.first { $0.authority == host }
                XCTAssertEqual(String(id.dropFirst(6)[id.dropFirst(6).index(after: slash)...]), row.object.guid)
            } else if id.hasPrefix("drs://") {
                classified = .compactDRSURI
                let parts = id.dropFirst(6).split(separator: ":", maxSplits: 1).map(String.init)
                resolved = federation.commons.first { $0.configuration.guidPrefix == parts[0] }
                XCTAssertEqual(parts[0] + "/" + parts[1], row.object.guid)
            } else if let slash = id.firstIndex(of: "/") {
                classified = .compactID
                compactPrefixes.insert(String(id[..<slash]))
                resolved = federation.commons.first { $0.configuration.guidPrefix == id[..<slash] }
            } else {
                classified = .bareUUID
                resolved = federation.hub
            }
            XCTAssertEqual(classified, row.form, id)
            XCTAssertTrue(resolved === owner, id)
            XCTAssertEqual(resolved?.object(guid: row.object.guid), row.object)
        }
        XCTAssertEqual(formsSeen, Set(ManifestIdentifierForm.allCases))
        XCTAssertEqual(compactPrefixes, ["dg.TEST1", "dg.TEST2", "dg.TEST3", "dg.TEST4"])
        XCTAssertEqual(rows.filter { $0.form == .bareUUID }.map(\.commons), [0], "bare UUIDs only for the hub")

        try federation.writeMixedManifest(to: directory + "/manifest.tsv", format: .tsv)
        let lines = try String(contentsOfFile: directory + "/manifest.tsv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines[0], "guid\tfile_name\tsize\tmd5\tcommons_url")
        XCTAssertEqual(lines.count, 25)
        let commonsURLRow = try XCTUnwrap(rows.firstIndex { $0.form == .commonsURL })
        XCTAssertTrue(lines[commonsURLRow + 1].hasSuffix("\t" + (rows[commonsURLRow].commonsURL ?? "?")))
        XCTAssertTrue(lines[1].hasSuffix("\t"), "an empty commons_url where the row has none")
    }

    func testConfigurationIsChecked() {
        var configuration = TestFederationConfiguration()
        configuration.commonsCount = 1
        XCTAssertThrowsError(try TestFederation.start(configuration))
        configuration.commonsCount = 10
        XCTAssertThrowsError(try TestFederation.start(configuration))
        configuration.commonsCount = 2
        configuration.distHintedPrefixes = ["dg.TEST3"]
        XCTAssertThrowsError(try TestFederation.start(configuration))
    }

    func testChosenSubsetsReplaceTheDefaultRule() throws {
        var configuration = TestFederationConfiguration()
        configuration.commons.objectCount = 1
        configuration.aggregatePrefixes = []
        configuration.distHintedPrefixes = ["dg.TEST2"]
        let chosen = try TestFederation.start(configuration)
        defer { chosen.stop() }
        XCTAssertEqual(chosen.hub.aggregateHosts, [:])
        XCTAssertEqual(try Curl.run(chosen.hub.endpoint + "/mds/aggregate/info/dg.TEST1").status, 404)
        let entries = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(try Curl.run(chosen.resolverEndpoint + "/index/_dist").body)) as? [[String: Any]])
        XCTAssertEqual(entries.prefix(2).map { $0["hints"] as? [String] }, [[], [".*dg\\.TEST2.*"]])
    }
}
