import Foundation
import Gen3TestCommons
import TestSupport
import XCTest

/// README: TLS certificates are verified unless `--insecure` is given, which prints a warning.
final class TLSTests: XCTestCase {
    /// Fence hands out an https URL on a storage host with a self-signed certificate (a python3
    /// process, `TLSObjectServer`): refused without `--insecure` before any request is sent, with
    /// a reason about the certificate; downloaded and verified with it, and the warning printed.
    func testASelfSignedStorageHostIsRefusedUnlessInsecure() throws {
        let job = try JobFixture(objects: 1)
        let object = job.commons.objects[0]
        let server = try TLSObjectServer(serving: try XCTUnwrap(job.commons.content(of: object.guid)))
        job.commons.setFault(.presignedURL(server.url + "/objects/0?expires=4102444800&sig=00"), guid: object.guid, times: .always)
        XCTAssertEqual(try job.importManifest().status, 0)

        let refused = try job.run(["--max-attempts", "3"])
        XCTAssertEqual(refused.status, 1, refused.stderr)
        let failures = try job.sql("SELECT attempts, last_error FROM failures")
        XCTAssertEqual(failures.count, 1)
        XCTAssertTrue(failures.first?.hasPrefix("1\t") ?? false, "an unverifiable certificate is retried: \(failures)")
        XCTAssertTrue(failures.first?.lowercased().contains("certificate") ?? false, "\(failures)")
        XCTAssertEqual(server.requests, [], "a request went over a connection whose certificate was not verified")
        XCTAssertFalse(refused.stderr.contains("NOT verified"), refused.stderr)
        XCTAssertNil(job.md5(ofDownloaded: object.fileName))

        let accepted = try job.run(["--retry-failed", "--insecure"])
        XCTAssertEqual(accepted.status, 0, accepted.stderr)
        XCTAssertTrue(accepted.stderr.contains("--insecure: TLS certificates are NOT verified"), accepted.stderr)
        XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5)
        XCTAssertEqual(server.requests, ["/objects/0?expires=4102444800&sig=00"])
    }
}
