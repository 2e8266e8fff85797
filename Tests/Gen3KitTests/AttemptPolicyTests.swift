import XCTest

@testable import Gen3Kit

/// The answer policy, one row per status code and curl error class the engine handles. A row
/// names the request, the answer, and what must follow.
final class AttemptPolicyTests: XCTestCase {
    // libcurl's codes (curl.h): they are part of libcurl's stable ABI.
    private let couldNotConnect: Int32 = 7, partialFile: Int32 = 18, timedOut: Int32 = 28, recvError: Int32 = 56
    private let unsupportedProtocol: Int32 = 1, malformedURL: Int32 = 3, tooManyRedirects: Int32 = 47, badCertificate: Int32 = 60

    private func curl(_ code: Int32) -> Answer { Answer(curlError: CurlError(code: code), status: 0) }

    func testIndexd() {
        let rows: [(Answer, Verdict)] = [
            (Answer(status: 200), .proceed),
            (Answer(status: 403), .permanent("indexd has no record of this GUID (HTTP 403)")),
            (Answer(status: 404), .permanent("indexd has no record of this GUID (HTTP 404)")),
            (Answer(status: 429, retryAfter: 7), .transient("indexd: HTTP 429", retryAfter: 7)),
            (Answer(status: 500), .transient("indexd: HTTP 500")),
            (Answer(status: 503, retryAfter: 2), .transient("indexd: HTTP 503", retryAfter: 2)),
            (Answer(status: 400, snippet: "bad guid"), .permanent("indexd: HTTP 400 bad guid")),
            (Answer(status: 301), .permanent("indexd: HTTP 301 ")),
        ]
        for (answer, expected) in rows { XCTAssertEqual(AttemptPolicy.indexd(answer), expected, "\(answer)") }
        for code in [couldNotConnect, timedOut, recvError] {
            guard case .transient(let reason, nil, false, false) = AttemptPolicy.indexd(curl(code)) else {
                return XCTFail("curl \(code) from indexd is not retried")
            }
            XCTAssertTrue(reason.hasPrefix("indexd: ") && reason.contains("(curl \(code)"), reason)
        }
    }

    func testFence() {
        let rows: [(Answer, Bool, Verdict)] = [
            (Answer(status: 200), false, .proceed),
            (Answer(status: 401), false, .refreshToken),
            (Answer(status: 401), true, .transient("fence: HTTP 401")),
            (
                Answer(status: 403, snippet: "no access to dg.X"), false,
                .permanent("access denied by the commons (HTTP 403): no access to dg.X")
            ),
            (Answer(status: 404), false, .permanent("the commons has no file with this GUID (HTTP 404)")),
            (Answer(status: 429, retryAfter: 30), false, .transient("fence: HTTP 429", retryAfter: 30)),
            (Answer(status: 502), false, .transient("fence: HTTP 502")),
            (Answer(status: 503, retryAfter: 1), true, .transient("fence: HTTP 503", retryAfter: 1)),
            (Answer(status: 400, snippet: "protocol gs not available"), false, .permanent("fence: HTTP 400 protocol gs not available")),
            (Answer(status: 302), false, .permanent("fence: HTTP 302 ")),
            (Answer(status: 408), false, .permanent("fence: HTTP 408 ")),
        ]
        for (answer, refreshed, expected) in rows {
            XCTAssertEqual(AttemptPolicy.fence(answer, refreshedToken: refreshed), expected, "\(answer) refreshed: \(refreshed)")
        }
        let long = String(repeating: "x", count: 500)
        guard case .permanent(let reason) = AttemptPolicy.fence(Answer(status: 403, snippet: long), refreshedToken: false) else {
            return XCTFail("403")
        }
        XCTAssertEqual(reason.count, "access denied by the commons (HTTP 403): ".count + 160)
        XCTAssertEqual(
            AttemptPolicy.fence(curl(recvError), refreshedToken: false),
            .transient("fence: \(CurlError(code: recvError).localizedDescription)"))
        XCTAssertEqual(AttemptPolicy.fenceWithoutURL, .transient("fence answered without a url"))
    }

    /// An answer over the 1 MiB cap: curl stops with a write error (23), the reason names the cap.
    func testAnswersOverTheCap() {
        let cut = Answer(curlError: CurlError(code: 23), status: 200, oversized: true)
        XCTAssertEqual(AttemptPolicy.fence(cut, refreshedToken: false), .transient("fence: the commons' answer exceeded 1 MiB"))
        XCTAssertEqual(AttemptPolicy.indexd(cut), .transient("indexd: the commons' answer exceeded 1 MiB"))
    }

    func testStorageStatuses() {
        let whole = BodyState(written: 100, expectedSize: 100)
        let partial = BodyState(written: 40, expectedSize: 100)
        let rows: [(Answer, BodyState, Verdict)] = [
            (Answer(status: 200), whole, .proceed),
            (Answer(status: 206), whole, .proceed),
            (Answer(status: 200), BodyState(written: 5, expectedSize: nil), .proceed),
            (Answer(status: 200), partial, .transient("got 40 of 100 bytes")),
            (Answer(status: 206), partial, .transient("got 40 of 100 bytes")),
            (Answer(status: 416), whole, .proceed),
            (
                Answer(status: 416), partial,
                .transient("storage refused the range (HTTP 416); starting over", immediately: true, discardPart: true)
            ),
            (
                Answer(status: 403, snippet: "<Message>Request has expired</Message>"), partial,
                .transient("the presigned URL expired; fetching a new one", immediately: true)
            ),
            (Answer(status: 403, snippet: "AccessDenied"), partial, .transient("storage: HTTP 403 AccessDenied")),
            (Answer(status: 404, snippet: "NoSuchKey"), partial, .transient("storage: HTTP 404 NoSuchKey")),
            (Answer(status: 408), partial, .transient("storage: HTTP 408 ")),
            (Answer(status: 429, retryAfter: 5), partial, .transient("storage: HTTP 429 ", retryAfter: 5)),
            (Answer(status: 500), partial, .transient("storage: HTTP 500 ")),
            (Answer(status: 503, retryAfter: 3), partial, .transient("storage: HTTP 503 ", retryAfter: 3)),
        ]
        for (answer, body, expected) in rows { XCTAssertEqual(AttemptPolicy.storage(answer, body: body), expected, "\(answer) \(body)") }
        // A 3xx reaches the policy only when curl could not follow it (no Location): retried like any odd answer.
        for status in 301...308 {
            XCTAssertEqual(AttemptPolicy.storage(Answer(status: status), body: partial), .transient("storage: HTTP \(status) "))
        }
    }

    /// A failed range request is asked again on its own only when its connection failed or its body
    /// stopped short; an answer from the storage host, or a body that cannot be continued, ends
    /// the attempt.
    func testARangeIsAskedAgainOnlyWhenItsConnectionFailed() {
        let partial = BodyState(written: 40, expectedSize: 100)
        let rows: [(Answer, BodyState, Bool)] = [
            (curl(recvError), partial, true),
            (curl(partialFile), partial, true),
            (curl(timedOut), partial, true),
            (curl(couldNotConnect), partial, true),
            (Answer(status: 206), partial, true),
            (Answer(status: 206), BodyState(written: 40, expectedSize: 100, sinkFailure: .tooLarge(expected: 100)), false),
            (Answer(status: 206), BodyState(written: 40, expectedSize: 100, rangeMismatch: true), false),
            (Answer(status: 503), partial, false),
            (Answer(status: 503, retryAfter: 5), partial, false),
            (Answer(status: 403, snippet: "Request has expired"), partial, false),
            (Answer(status: 416), partial, false),
            (curl(malformedURL), partial, false),
        ]
        for (answer, body, retried) in rows {
            XCTAssertEqual(
                AttemptPolicy.retriesRange(answer, verdict: AttemptPolicy.storage(answer, body: body)), retried, "\(answer) \(body)")
        }
    }

    func testStorageTransportAndBody() {
        let partial = BodyState(written: 40, expectedSize: 100)
        for code in [couldNotConnect, partialFile, timedOut, recvError] {
            XCTAssertEqual(
                AttemptPolicy.storage(curl(code), body: partial),
                .transient("storage: \(CurlError(code: code).localizedDescription)"), "curl \(code)")
        }
        for code in [unsupportedProtocol, malformedURL, tooManyRedirects, badCertificate] {
            XCTAssertEqual(
                AttemptPolicy.storage(curl(code), body: partial),
                .permanent("storage: \(CurlError(code: code).localizedDescription)"), "curl \(code)")
        }
        // What the body says comes before what curl says: a long body is cut off by our own write callback.
        var long = partial
        long.sinkFailure = .tooLarge(expected: 100)
        XCTAssertEqual(
            AttemptPolicy.storage(curl(23), body: long),
            .transient("the server sent more than the expected 100 bytes", discardPart: true))
        var wrongRange = partial
        wrongRange.rangeMismatch = true
        XCTAssertEqual(
            AttemptPolicy.storage(Answer(status: 206), body: wrongRange),
            .transient("storage answered a range we did not ask for; starting over", immediately: true, discardPart: true))
        var full = partial
        full.sinkFailure = .storage(path: "/d/f.part", errno: ENOSPC)
        XCTAssertEqual(
            AttemptPolicy.storage(Answer(status: 200), body: full),
            .stopWorker(SinkError.storage(path: "/d/f.part", errno: ENOSPC).localizedDescription))
        var symlink = partial
        symlink.sinkFailure = .symlink(path: "/d/f.part")
        XCTAssertEqual(
            AttemptPolicy.storage(Answer(status: 200), body: symlink), .permanent("refusing to write through the symlink at /d/f.part"))
    }

    /// A request that failed while the process could open no more files stops the worker, on every
    /// route: the next request could not connect either, and retrying would only fail the files.
    func testARequestThatFailedOutOfOpenFilesStopsTheWorker() {
        for code in [EMFILE, ENFILE] {
            let error = CurlError(code: couldNotConnect, detail: "Failed to connect", openFilesErrno: code)
            XCTAssertTrue(error.localizedDescription.contains("(ulimit -n)"), error.localizedDescription)
            let answer = Answer(curlError: error, status: 0)
            XCTAssertEqual(AttemptPolicy.indexd(answer), .stopWorker("indexd: \(error.localizedDescription)"))
            XCTAssertEqual(AttemptPolicy.fence(answer, refreshedToken: false), .stopWorker("fence: \(error.localizedDescription)"))
            XCTAssertEqual(
                AttemptPolicy.storage(answer, body: BodyState(written: 0, expectedSize: 10)),
                .stopWorker("storage: \(error.localizedDescription)"))
        }
        // The same failure with files to spare is retried.
        XCTAssertEqual(
            AttemptPolicy.storage(curl(couldNotConnect), body: BodyState(written: 0, expectedSize: 10)),
            .transient("storage: \(CurlError(code: couldNotConnect).localizedDescription)"))
    }

    func testChecksumAndDurability() {
        XCTAssertEqual(AttemptPolicy.checksum(expected: "aa", actual: "aa"), .proceed)
        XCTAssertEqual(AttemptPolicy.checksum(expected: nil, actual: "aa"), .proceed)
        XCTAssertEqual(
            AttemptPolicy.checksum(expected: "aa", actual: "bb"),
            .transient("md5 mismatch: expected aa, got bb", discardPart: true))
        XCTAssertEqual(
            AttemptPolicy.durability(.openFiles(path: "/d/x", errno: EMFILE)),
            .stopWorker(SinkError.openFiles(path: "/d/x", errno: EMFILE).localizedDescription))
        XCTAssertEqual(
            AttemptPolicy.durability(.file(path: "/d/x", errno: EIO)),
            .permanent(SinkError.file(path: "/d/x", errno: EIO).localizedDescription))
    }

    func testScheduleCountsAttemptsAndHonoursRetryAfter() {
        let policy = RetryPolicy(maxAttempts: 3, baseDelay: 2, maxDelay: 300)
        func schedule(_ verdict: Verdict, attempt: Int) -> Decision {
            AttemptPolicy.schedule(verdict, attempt: attempt, policy: policy, now: 1000, jitter: 0.5)
        }
        XCTAssertEqual(schedule(.proceed, attempt: 3), .proceed)
        XCTAssertEqual(schedule(.refreshToken, attempt: 3), .refreshToken)
        XCTAssertEqual(schedule(.permanent("no"), attempt: 1), .fail("no", pauseUntil: nil, discardPart: false))
        XCTAssertEqual(schedule(.stopWorker("disk"), attempt: 1), .stopWorker("disk"))
        // Backoff 2·2^(n-1) at jitter 0.5 (factor 1): 2 s after the first attempt, 4 s after the second.
        XCTAssertEqual(schedule(.transient("x"), attempt: 1), .retry("x", notBefore: 1002, pauseUntil: nil, discardPart: false))
        XCTAssertEqual(schedule(.transient("x"), attempt: 2), .retry("x", notBefore: 1004, pauseUntil: nil, discardPart: false))
        XCTAssertEqual(
            schedule(.transient("x", discardPart: true), attempt: 3),
            .fail("x (gave up after 3 attempts)", pauseUntil: nil, discardPart: true))
        XCTAssertEqual(
            schedule(.transient("x", immediately: true), attempt: 2), .retry("x", notBefore: 1000, pauseUntil: nil, discardPart: false))
        // Retry-After wins when longer than the backoff, and pauses the worker's other requests too.
        XCTAssertEqual(
            schedule(.transient("x", retryAfter: 30), attempt: 1), .retry("x", notBefore: 1030, pauseUntil: 1030, discardPart: false))
        XCTAssertEqual(
            schedule(.transient("x", retryAfter: 1), attempt: 2), .retry("x", notBefore: 1004, pauseUntil: 1001, discardPart: false))
        XCTAssertEqual(
            schedule(.transient("x", retryAfter: 9), attempt: 3),
            .fail("x (gave up after 3 attempts)", pauseUntil: 1009, discardPart: false))
    }
}
