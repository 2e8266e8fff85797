import Logging

/// Gets the presigned URLs of the next files from Fence ahead of need, so that a transfer slot
/// never waits a round trip to the commons: in bulk (`BulkPresign`), a few rounds of transfers
/// ahead and with a few requests out at once (a real Fence takes a tenth of a second or more to
/// answer), so that a small file costs one request to the storage host and a share of one to the
/// commons; from a commons without the bulk route (or with `--no-bulk-urls`), one file per request
/// but as many requests out as there are transfers, so that the URL round trip overlaps the
/// transfers before it instead of adding to each file.
///
/// Nothing here decides a file's fate. A file the bulk answer has no URL for, or whose URL waited
/// longer than `maxURLAge` for a free transfer slot, goes back to the worker to ask Fence on its own
/// (`JobExecutor.presignOne`), which gives the one-file route's reasons, retries and token refresh.
/// A commons without the bulk route (older Fence answers 405) is asked one file at a time from
/// then on. Each request goes to one commons (the files' `CommonsSession`) with its token; a
/// commons that is paused (Retry-After) is skipped while the others are asked.
final class PresignAhead {
    /// A URL older than this is not used: presigned URLs last an hour by default, but a commons
    /// may sign shorter ones, and a file that waited this long behind large transfers can spare a
    /// request.
    let maxURLAge: Double
    /// 5xx, 429 or network errors in a row after which bulk requests stop for this run.
    static let failuresToGiveUp = 3
    /// Bulk requests out at once at least; more with more transfers (`maxInFlight`).
    static let minInFlight = 4
    /// Rounds of transfers (`maxConcurrentRequests` files each) held here at least: one waiting
    /// with its URLs while the next is asked for, and as many again for a Fence that takes longer
    /// than a round trip to answer. Fence's cap on a request's files makes the batches too few for
    /// that when the transfers are many.
    static let roundsAhead = 4
    /// Files held here stop at this many expected bytes (and a claim at as many): enough to keep
    /// the transfers fed across a slow Fence answer, while large files stay in the job table,
    /// where another worker can take them, until they are about to start.
    static let lookaheadBytes: Int64 = 256 << 20

    enum Due {
        case nothing
        /// Add this request to the multi handle; its answer goes to `finish`.
        case request(CurlEasy)
        /// No bulk request could be made (no token): ask for these one at a time.
        case alone([FileTask])
    }

    /// Whether files wait here for their URLs at all; whether a commons is asked in bulk is its
    /// session's (`CommonsSession.bulkEnabled`: `--no-bulk-urls`, or the commons turned it down).
    let enabled: Bool
    /// One-file requests out at once.
    let maxSingles: Int
    /// Files held here at most: waiting, asked for, or with a URL.
    let lookahead: Int
    /// Bulk requests out at once: two rounds of transfers' worth, and at least `minInFlight`.
    let maxInFlight: Int
    private let logger: Logger
    private var waiting: [FileTask] = []
    private var ready = FIFO<(task: FileTask, url: String, at: Double)>()
    private var flights: [Flight] = []
    private var idleHandles: [CurlEasy] = []
    /// Files that make a bulk request worth sending while others are out.
    private let batch: Int
    /// Bulk requests answered with URLs, and the URLs they gave (for the worker's summary).
    private(set) var answered = 0
    private(set) var urlsReceived = 0

    private struct Flight {
        let easy: CurlEasy
        let receiver: MemoryReceiver
        let tasks: [FileTask]
        let session: CommonsSession
        let started: Double
        /// A bulk request (its handle is this type's), or one file's (the session's pool's).
        let bulk: Bool
    }

    init(enabled: Bool, maxConcurrentRequests: Int, maxURLAge: Double = 60, logger: Logger) {
        self.maxURLAge = maxURLAge
        self.enabled = enabled
        // Twice the transfers: a slow Fence's answer then covers the slots that free up while the
        // next request is out (BENCHMARKS.md, the slow-Fence section).
        batch = min(2 * max(1, maxConcurrentRequests), BulkPresign.maxGUIDs)
        maxInFlight = max(Self.minInFlight, 2 * max(1, maxConcurrentRequests) / batch)
        lookahead = max(maxInFlight * batch, Self.roundsAhead * max(1, maxConcurrentRequests))
        maxSingles = max(1, maxConcurrentRequests)
        self.logger = logger
    }

    var readyCount: Int { ready.count }
    var isAsking: Bool { !flights.isEmpty }
    var isEmpty: Bool { waiting.isEmpty && readyCount == 0 && flights.isEmpty }
    /// Files held here: waiting, asked for, or with a URL.
    private var heldCount: Int { waiting.count + readyCount + flights.reduce(0) { $0 + $1.tasks.count } }

    /// The largest expected size of any file added: with it, `bytesFull` knows without summing
    /// that files too few or too small to fill the look-ahead's bytes do not.
    private var largestSize: Int64 = 0

    /// Expected bytes of the files held here (at most `lookahead` of them, so summed when asked).
    var heldBytes: Int64 {
        waiting.reduce(0) { $0 + Self.size($1) } + ready.reduce(0) { $0 + Self.size($1.task) }
            + flights.reduce(0) { total, flight in flight.tasks.reduce(total) { $0 + Self.size($1) } }
    }

    /// Whether the worker may start another file, with `freeSlots` transfers it could start now
    /// (with bulk requests off, files never wait here).
    func hasRoom(freeSlots: Int) -> Bool {
        !enabled || (heldCount < lookahead && !bytesFull(freeSlots: freeSlots))
    }

    /// The files held beyond those the free slots will take are as many bytes as the look-ahead
    /// allows. Counted over all files held, which is simpler and errs towards holding fewer.
    private func bytesFull(freeSlots: Int) -> Bool {
        let held = heldCount
        // Files too few or too small to reach the look-ahead's bytes cannot fill it: summing the
        // sizes of a few hundred, each time the worker asks, is left to when they could.
        guard held > 0, held >= freeSlots, largestSize >= Self.lookaheadBytes / Int64(held) else { return false }
        return heldBytes >= Self.lookaheadBytes
    }

    func owns(_ easy: CurlEasy) -> Bool { flights.contains { $0.easy === easy } }

    /// A file that needs a URL (`JobExecutor.Step.needsURL`).
    func add(_ task: FileTask) {
        largestSize = max(largestSize, Self.size(task))
        waiting.append(task)
    }

    private static func size(_ task: FileTask) -> Int64 { max(0, task.file.expectedSize ?? 0) }

    /// The next file with a URL, in order; the URL is nil when it has grown too old to use.
    func takeReady(now: Double) -> (task: FileTask, url: String?)? {
        // A FIFO that lets go of taken entries: each holds a task, and a task its body.
        guard let entry = ready.popFirst() else { return nil }
        return (entry.task, now - entry.at <= maxURLAge ? entry.url : nil)
    }

    /// Files enough for a whole bulk request wait for one.
    var hasFullBatch: Bool { waiting.count >= batch }

    /// A bulk request when one is worth making: a batch of files waits, no more files are coming
    /// (their bytes fill the look-ahead, or `moreComing` says the job has none left to claim for
    /// now), or nothing else is coming for the transfers to start. It asks for the files of the
    /// first commons in line that is not paused.
    func dueRequest(freeSlots: Int, now: Double, moreComing: Bool = true) -> Due {
        guard enabled, !waiting.isEmpty else { return .nothing }
        // A commons asked one file at a time has no batch to wait for.
        if flights.count(where: { !$0.bulk }) < maxSingles,
            let index = waiting.firstIndex(where: { !$0.session.bulkEnabled && !$0.session.isPaused(now: now) })
        {
            return single(waiting.remove(at: index))
        }
        let bulkFlights = flights.count(where: \.bulk)
        guard bulkFlights < maxInFlight else { return .nothing }
        guard waiting.count >= batch || bytesFull(freeSlots: freeSlots) || !moreComing || (readyCount == 0 && bulkFlights == 0) else {
            return .nothing
        }
        guard let session = waiting.first(where: { $0.session.bulkEnabled && !$0.session.isPaused(now: now) })?.session else {
            return .nothing
        }
        var tasks: [FileTask] = []
        waiting.removeAll { task in
            guard tasks.count < BulkPresign.maxGUIDs, task.session === session else { return false }
            tasks.append(task)
            return true
        }
        guard session.bulkEnabled, let tokens = session.tokens else { return .alone(tasks) }
        do {
            let token = try tokens.current()
            let easy = try idleHandles.popLast() ?? session.requests.makeBulkHandle()
            let receiver = try session.requests.bulkPresign(easy, guids: tasks.map(\.objectID), token: token)
            flights.append(
                Flight(easy: easy, receiver: receiver, tasks: tasks, session: session, started: Clock.monotonic(), bulk: true))
            return .request(easy)
        } catch {
            // The one-file route reports a missing token or key the way it always has.
            return .alone(tasks)
        }
    }

    /// Fence's one-file route for `task`, ahead of its transfer. An answer that is not a URL is the
    /// executor's to judge (`finish` gives it back), as if it had asked: the same reasons, retries,
    /// token refresh and Retry-After.
    private func single(_ task: FileTask) -> Due {
        let session = task.session
        guard session.refusal == nil, let tokens = session.tokens, let token = try? tokens.current() else { return .alone([task]) }
        do {
            let (easy, receiver) = try session.requests.presign(guid: task.objectID, token: token)
            task.phase = .presign
            task.bearer = token
            flights.append(
                Flight(easy: easy, receiver: receiver, tasks: [task], session: session, started: Clock.monotonic(), bulk: false))
            return .request(easy)
        } catch {
            return .alone([task])
        }
    }

    /// Takes back a finished or dropped request's handle.
    private func release(_ flight: Flight) {
        if flight.bulk { idleHandles.append(flight.easy) } else { flight.session.requests.recycle(flight.easy) }
    }

    /// The files waiting for a bulk request whose commons is paused (Retry-After): handed back to
    /// the job until the pause ends, so they do not fill the look-ahead the other commons need.
    func takePaused(now: Double) -> [FileTask] {
        var paused: [FileTask] = []
        waiting.removeAll { task in
            guard task.session.isPaused(now: now) else { return false }
            paused.append(task)
            return true
        }
        return paused
    }

    /// The multi handle would not take `easy`'s request: its files ask on their own.
    func abandon(_ easy: CurlEasy) -> [FileTask] {
        guard let index = flights.firstIndex(where: { $0.easy === easy }) else { return [] }
        let flight = flights.remove(at: index)
        release(flight)
        return flight.tasks
    }

    /// What became of a finished request's files.
    enum Finished {
        /// These files ask Fence on their own (none when every one got its URL).
        case alone([FileTask])
        /// A one-file request that did not answer a URL: the executor judges the request as if it
        /// had made it (`JobExecutor.handle`), and recycles its handle.
        case judge(FileTask)
    }

    /// Reads the answer to `easy`'s request.
    func finish(_ easy: CurlEasy, code: Int32) -> Finished {
        guard let index = flights.firstIndex(where: { $0.easy === easy }) else { return .alone([]) }
        let flight = flights.remove(at: index)
        let (receiver, tasks, session) = (flight.receiver, flight.tasks, flight.session)
        if logger.logLevel <= .debug {
            let outcome = easy.error(for: code).map { "curl \($0.code)" } ?? "HTTP \(receiver.head.status)"
            let elapsed = Int((Clock.monotonic() - flight.started) * 1000)
            let request =
                flight.bulk
                ? "POST \(session.endpoint)\(BulkPresign.path) (\(tasks.count) files)"
                : "GET \(session.endpoint)/user/data/download/\(tasks.first?.objectID ?? "")"
            logger.debug("\(request) → \(outcome) in \(elapsed) ms\(easy.openedConnection ? " on a new connection" : "")")
        }
        if !flight.bulk, let task = tasks.first {
            guard easy.error(for: code) == nil, !receiver.exceededLimit, receiver.head.status == 200,
                let url = CommonsRequests.presignedURL(from: receiver.body)
            else { return .judge(task) }
            release(flight)
            urlsReceived += 1
            ready.append((task, url, Clock.now()))
            return .alone([])
        }
        release(flight)
        return .alone(bulkAnswer(easy, code: code, receiver: receiver, tasks: tasks, session: session))
    }

    /// The files of a bulk request that must ask on their own; the others' URLs are queued.
    private func bulkAnswer(_ easy: CurlEasy, code: Int32, receiver: MemoryReceiver, tasks: [FileTask], session: CommonsSession)
        -> [FileTask]
    {
        if receiver.exceededLimit { return failed(tasks, session, AttemptPolicy.oversizedReason) }
        if let error = easy.error(for: code) { return failed(tasks, session, "\(error.localizedDescription)") }
        let status = receiver.head.status
        switch status {
        case 200:
            guard let urls = BulkPresign.urls(from: receiver.body) else {
                return giveUp(tasks, session, "answered something that is not a list of URLs")
            }
            session.bulkFailuresInARow = 0
            answered += 1
            urlsReceived += urls.count
            let now = Clock.now()
            var alone: [FileTask] = []
            // indexd resolves a bare UUID and answers with the prefixed id: match on the UUID then.
            var byUUID: [Substring: String]?
            for task in tasks {
                if let url = urls[task.objectID] {
                    ready.append((task, url, now))
                    continue
                }
                if byUUID == nil {
                    byUUID = Dictionary(urls.map { ($0.key.split(separator: "/").last ?? "", $0.value) }) { first, _ in first }
                }
                if !task.objectID.contains("/"), let url = byUUID?[Substring(task.objectID)] {
                    ready.append((task, url, now))
                } else {
                    alone.append(task)
                }
            }
            return alone
        case 401:
            // The one-file requests refresh the token; the next bulk request uses the new one.
            return tasks
        case 429, 500...599:
            return failed(tasks, session, "HTTP \(status)")
        default:
            // 404 or 405: a Fence without the route. Anything else it refuses, it refuses every time.
            return giveUp(tasks, session, "HTTP \(status)")
        }
    }

    private func failed(_ tasks: [FileTask], _ session: CommonsSession, _ reason: String) -> [FileTask] {
        session.bulkFailuresInARow += 1
        guard session.bulkFailuresInARow >= Self.failuresToGiveUp else {
            logger.info(
                "bulk presigned-URL request to \(session.endpoint) failed (\(reason)); asking for those \(tasks.count) files one at a time")
            return tasks
        }
        return giveUp(tasks, session, "\(reason), \(session.bulkFailuresInARow) times in a row")
    }

    private func giveUp(_ tasks: [FileTask], _ session: CommonsSession, _ reason: String) -> [FileTask] {
        // Other requests may still be out; the first refusal is the one worth saying.
        if session.bulkEnabled {
            logger.info(
                "\(session.endpoint) refused a bulk presigned-URL request (\(reason)); asking it for one URL per file from now on")
        }
        session.bulkEnabled = false
        var rest: [FileTask] = []
        waiting.removeAll { task in
            guard task.session === session else { return false }
            rest.append(task)
            return true
        }
        return tasks + rest
    }

    /// Everything held here, for the worker to release; the requests out are dropped.
    func takeAll() -> (requests: [CurlEasy], tasks: [FileTask]) {
        var tasks = waiting
        tasks += ready.removeAll().map(\.task)
        tasks += flights.flatMap(\.tasks)
        let requests = flights.map(\.easy)
        for flight in flights { release(flight) }
        waiting.removeAll()
        flights.removeAll()
        return (requests, tasks)
    }
}
