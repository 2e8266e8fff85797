import Foundation
import Gen3Kit
import TestSupport
import XCTest

/// The Swift API runs a job as `gen3 run` does (through `JobRun`): cancelling its `Task` stops it
/// as SIGTERM stops the command, and what it released is finished by the next call.
final class SwiftAPITests: XCTestCase {
    func testCancellingTheTaskReleasesInFlightFilesAndTheNextCallFinishes() async throws {
        let job = try JobFixture(objects: 2)
        job.commons.setFault(.stall, guid: nil, times: .times(2))
        let commons = try Gen3Commons(credentialsPath: job.credentials)
        var options = BulkDownloadOptions()
        options.run.shutdownGrace = 0.1
        let manifest = job.manifest
        let downloads = job.downloads
        let download = Task { try await commons.download(manifest: manifest, to: downloads, options: options) }
        // Both transfers are in flight once the storage host has answered both stalled requests.
        try job.commons.waitForRequests(route: .storage, count: 2)
        download.cancel()
        do {
            _ = try await download.value
            XCTFail("a cancelled download returned a result")
        } catch is CancellationError {}
        let store = try commons.jobStore(for: job.downloads)
        XCTAssertEqual(try store.progress().count(.pending), 2)
        XCTAssertEqual(try store.progress().count(.claimed), 0)
        let result = try await commons.download(manifest: manifest, to: downloads, options: options)
        XCTAssertEqual(result.succeeded.count, 2)
        for object in job.commons.objects { XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5) }
    }
}
