/// One answer to a file's request, reduced to the facts that decide what happens next.
struct Answer: Equatable {
    /// curl's failure, when the request did not complete.
    var curlError: CurlError?
    /// The HTTP status; 0 when none arrived.
    var status: Int
    /// `Retry-After`, in seconds.
    var retryAfter: Double?
    /// The start of an error answer's body, with any token of ours cut out.
    var snippet: String
    /// An API answer was cut off at `MemoryReceiver`'s cap instead of being read whole.
    var oversized: Bool

    init(curlError: CurlError? = nil, status: Int, retryAfter: Double? = nil, snippet: String = "", oversized: Bool = false) {
        self.curlError = curlError
        self.status = status
        self.retryAfter = retryAfter
        self.snippet = snippet
        self.oversized = oversized
    }
}

/// Where a body stands when its request ends.
struct BodyState: Equatable {
    /// Bytes in the part file (or in memory), counting those from earlier attempts.
    var written: Int64
    var expectedSize: Int64?
    /// The storage host answered a range other than the one asked for.
    var rangeMismatch = false
    /// Writing the body failed.
    var sinkFailure: SinkError?
}

/// What one answer means for its file, before retries are counted (`AttemptPolicy.schedule`).
enum Verdict: Equatable {
    /// The answer is what was asked for: go on (read the record, fetch the URL, check the md5).
    case proceed
    /// Fence refused the token: fetch a new one and ask again, once per attempt; not an attempt.
    case refreshToken
    /// This attempt failed and another may succeed.
    /// - retryAfter: the server's wait; it also pauses the worker's other requests.
    /// - immediately: no backoff (a fresh URL, or the body started over).
    /// - discardPart: the bytes so far cannot be continued.
    case transient(String, retryAfter: Double? = nil, immediately: Bool = false, discardPart: Bool = false)
    /// No attempt can succeed; the part file is kept unless it is empty.
    case permanent(String)
    /// Nothing more can be done in this worker (the disk is full, no files can be opened).
    case stopWorker(String)
}

/// What the file does next: the verdict with the attempts counted.
enum Decision: Equatable {
    case proceed
    case refreshToken
    /// Try again at `notBefore` (Unix time); the worker starts no request before `pauseUntil`.
    case retry(String, notBefore: Double, pauseUntil: Double?, discardPart: Bool)
    case fail(String, pauseUntil: Double?, discardPart: Bool)
    case stopWorker(String)
}

/// The engine's whole answer policy as pure functions (no I/O, no clock, no randomness), one per
/// kind of request, so that each status code and curl error is unit-tested on its own
/// (`AttemptPolicyTests`). `JobExecutor` builds the inputs and carries out the decision.
enum AttemptPolicy {
    /// indexd's answer to `GET /index/{guid}`.
    static func indexd(_ answer: Answer) -> Verdict {
        if answer.oversized { return .transient("indexd: \(oversizedReason)") }
        if let error = answer.curlError { return incomplete(error, at: "indexd") }
        switch answer.status {
        case 200: return .proceed
        case 403, 404: return .permanent("indexd has no record of this GUID (HTTP \(answer.status))")
        case 429, 500...599: return .transient("indexd: HTTP \(answer.status)", retryAfter: answer.retryAfter)
        default: return .permanent("indexd: HTTP \(answer.status) \(answer.snippet.prefix(120))")
        }
    }

    /// Why an API answer over the cap is not read (curl reports only that our receiver stopped it).
    static let oversizedReason = "the commons' answer exceeded \(MemoryReceiver.defaultLimit >> 20) MiB"

    /// An indexd 200 whose body is not a record.
    static let unreadableRecord = Verdict.transient("indexd answered something that is not a record")

    /// Fence's answer to a presigned-URL request; `refreshedToken`: this attempt already got a new token.
    static func fence(_ answer: Answer, refreshedToken: Bool) -> Verdict {
        if answer.oversized { return .transient("fence: \(oversizedReason)") }
        if let error = answer.curlError { return incomplete(error, at: "fence") }
        switch answer.status {
        case 200: return .proceed
        // An expired or revoked token: one refresh per attempt.
        case 401 where !refreshedToken: return .refreshToken
        case 403: return .permanent("access denied by the commons (HTTP 403): \(answer.snippet.prefix(160))")
        case 404: return .permanent("the commons has no file with this GUID (HTTP 404)")
        case 429, 500...599, 401: return .transient("fence: HTTP \(answer.status)", retryAfter: answer.retryAfter)
        default: return .permanent("fence: HTTP \(answer.status) \(answer.snippet.prefix(120))")
        }
    }

    /// A Fence 200 without a `url`.
    static let fenceWithoutURL = Verdict.transient("fence answered without a url")

    /// The storage host's answer to the body request, with where the body stands.
    static func storage(_ answer: Answer, body: BodyState) -> Verdict {
        if let failure = body.sinkFailure {
            if failure.stopsWorker { return .stopWorker(failure.localizedDescription) }
            if case .tooLarge = failure { return .transient(failure.localizedDescription, discardPart: true) }
            return .permanent(failure.localizedDescription)
        }
        if body.rangeMismatch {
            return .transient("storage answered a range we did not ask for; starting over", immediately: true, discardPart: true)
        }
        if let error = answer.curlError {
            if error.isPermanent { return .permanent("storage: \(error.localizedDescription)") }
            return incomplete(error, at: "storage")
        }
        switch answer.status {
        case 200, 206:
            return complete(body)
        // The part file may already hold everything.
        case 416 where body.expectedSize == body.written:
            return complete(body)
        case 416:
            return .transient("storage refused the range (HTTP 416); starting over", immediately: true, discardPart: true)
        case 403 where answer.snippet.lowercased().contains("expired"):
            return .transient("the presigned URL expired; fetching a new one", immediately: true)
        default:
            return .transient("storage: HTTP \(answer.status) \(answer.snippet.prefix(120))", retryAfter: answer.retryAfter)
        }
    }

    /// Whether a range request whose `verdict` ends its attempt is asked again on its own instead,
    /// the file's other ranges going on: when its connection failed or its body stopped short, as a
    /// dropped connection leaves it. An error the storage host answered, an expired URL or a body
    /// that cannot be continued end the attempt, which brings the backoff, Retry-After or new URL
    /// they call for.
    static func retriesRange(_ answer: Answer, verdict: Verdict) -> Bool {
        guard case .transient(_, nil, false, false) = verdict else { return false }
        return answer.curlError != nil || answer.status == 206
    }

    /// A request that did not complete: another attempt may, unless this process could open no
    /// more files (then no request after it can connect, and the worker stops as for a full disk).
    static func incomplete(_ error: CurlError, at source: String) -> Verdict {
        let reason = "\(source): \(error.localizedDescription)"
        return error.openFilesErrno == nil ? .transient(reason) : .stopWorker(reason)
    }

    /// A body that ended: complete when it has the expected size (or no size is known).
    static func complete(_ body: BodyState) -> Verdict {
        if let size = body.expectedSize, body.written != size { return .transient("got \(body.written) of \(size) bytes") }
        return .proceed
    }

    /// The md5 of a complete body against the expected one (nil: none known, anything goes).
    static func checksum(expected: String?, actual: String) -> Verdict {
        guard let expected, expected != actual else { return .proceed }
        return .transient("md5 mismatch: expected \(expected), got \(actual)", discardPart: true)
    }

    /// A verified body that could not be synced, linked or renamed.
    static func durability(_ error: SinkError) -> Verdict {
        if error.stopsWorker { return .stopWorker(error.localizedDescription) }
        if case .tooLarge = error { return .transient(error.localizedDescription) }
        return .permanent(error.localizedDescription)
    }

    /// The verdict with the attempts counted: a transient failure is retried after the policy's
    /// backoff (`jitter` in [0, 1), asked for only then: every file's answers pass here, and a
    /// system random number is a system call) or the server's Retry-After, whichever is longer,
    /// until the attempts run out.
    static func schedule(
        _ verdict: Verdict, attempt: Int, policy: RetryPolicy, now: Double, jitter: @autoclosure () -> Double
    ) -> Decision {
        switch verdict {
        case .proceed: return .proceed
        case .refreshToken: return .refreshToken
        case .permanent(let reason): return .fail(reason, pauseUntil: nil, discardPart: false)
        case .stopWorker(let reason): return .stopWorker(reason)
        case .transient(let reason, let retryAfter, let immediately, let discardPart):
            guard attempt < policy.maxAttempts else {
                return .fail(
                    "\(reason) (gave up after \(attempt) attempts)", pauseUntil: retryAfter.map { now + $0 },
                    discardPart: discardPart)
            }
            var wait = immediately ? 0 : policy.delay(afterAttempt: attempt, jitter: jitter())
            if let retryAfter { wait = max(wait, retryAfter) }
            return .retry(reason, notBefore: now + wait, pauseUntil: retryAfter.map { now + $0 }, discardPart: discardPart)
        }
    }
}
