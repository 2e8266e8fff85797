import Foundation
import Gen3TestCommons
import TestSupport
import XCTest

/// What each answer the commons can give leads to, end to end: one row per fault, each on a job of
/// its own, checked against the final state, the attempts used and the reason recorded.
final class OutcomeTableTests: XCTestCase {
    private struct Row {
        let name: String
        let fault: Fault
        var times = FaultCount.times(1)
        /// The manifest gives no metadata, so indexd is asked.
        var viaIndexd = false
        let state: String
        let attempts: Int
        var reason = ""
    }

    func testEveryAnswerLeadsWhereThePolicySays() throws {
        let rows = [
            Row(
                name: "DRS object 403", fault: .status(403, at: .drsObject), times: .always, viaIndexd: true, state: "failed", attempts: 1,
                reason: "indexd has no record of this GUID (HTTP 403)"),
            Row(name: "DRS object 429", fault: .status(429, at: .drsObject, retryAfter: 1), viaIndexd: true, state: "done", attempts: 2),
            Row(name: "DRS object 503", fault: .status(503, at: .drsObject), viaIndexd: true, state: "done", attempts: 2),
            Row(name: "fence 429 with Retry-After", fault: .status(429, at: .download, retryAfter: 1), state: "done", attempts: 2),
            Row(name: "fence 503", fault: .status(503, at: .download), state: "done", attempts: 2),
            Row(name: "fence 401 once", fault: .status(401, at: .download), state: "done", attempts: 1),
            Row(name: "fence 401 twice", fault: .status(401, at: .download), times: .times(2), state: "done", attempts: 2),
            Row(
                name: "fence 400", fault: .status(400, at: .download), times: .always, state: "failed", attempts: 1,
                reason: "fence: HTTP 400"),
            Row(name: "fence 200 without url", fault: .presignedURL(""), state: "done", attempts: 2),
            Row(name: "storage 404", fault: .status(404, at: .storage), state: "done", attempts: 2),
            Row(name: "storage 403, not expired", fault: .status(403, at: .storage), state: "done", attempts: 2),
            Row(name: "storage 403, expired", fault: .expiredURL, state: "done", attempts: 2),
            Row(
                name: "a URL that is not http", fault: .presignedURL("ftp://127.0.0.1/x"), times: .always, state: "failed", attempts: 1,
                reason: "not http(s)"),
            Row(
                name: "a redirect to another protocol", fault: .redirect(to: "ftp://127.0.0.1/x"), times: .always, state: "failed",
                attempts: 1, reason: "storage: "),
        ]
        for row in rows {
            let job = try JobFixture(objects: 1)
            let object = job.commons.objects[0]
            if row.viaIndexd {
                let manifest = job.directory.file("guids.tsv")
                try "guid\n\(object.guid)\n".write(toFile: manifest, atomically: true, encoding: .utf8)
                XCTAssertEqual(try job.importManifest(manifest).status, 0, row.name)
            } else {
                XCTAssertEqual(try job.importManifest().status, 0, row.name)
            }
            job.commons.setFault(row.fault, guid: object.guid, times: row.times)
            let run = try job.run(["--no-progress", "--no-bulk-urls", "--max-attempts", "3"])
            XCTAssertEqual(run.status, row.state == "done" ? 0 : 1, "\(row.name): \(run.stderr)")
            let result = try job.sql("SELECT state, attempts, coalesce(last_error, '') FROM files")
            let fields = result.first?.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) ?? []
            XCTAssertEqual(fields.first, row.state, "\(row.name): \(result)")
            XCTAssertEqual(fields.dropFirst().first, "\(row.attempts)", "\(row.name): attempts \(result)")
            if !row.reason.isEmpty { XCTAssertTrue(fields.last?.contains(row.reason) == true, "\(row.name): \(result)") }
            if row.state == "done" { XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5, row.name) }
            XCTAssertNil(try job.countsDrift(), row.name)
        }
    }
}
