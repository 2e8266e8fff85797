import CCurl
import Foundation
import Logging

/// Takes one file from claim to outcome, one request at a time: indexd (only when the manifest
/// lacked metadata), Fence for a presigned URL, then the storage host. What each answer means is
/// `AttemptPolicy`'s pure decision; this type builds its inputs and carries it out (the part file,
/// the token, the record for the completer). It never touches the multi loop or the outcome batch;
/// the one row it writes itself is the metadata indexd supplied.
final class JobExecutor {
    /// What the worker does next for a task.
    enum Step {
        /// Run this request; its result comes back to `handle`.
        case request(CurlEasy)
        /// Nothing to start: the file's other range requests are still running (`RangedDownload`).
        case continuing
        /// The file needs a presigned URL and may get it in bulk (`PresignAhead`, with
        /// `--no-bulk-urls` off); with it, go on with `startDownload`, without it, with `presignOne`.
        case needsURL
        /// The attempt is over; the completer records it.
        case finished(AttemptRecord)
        /// The body is complete and matches its size and md5; the record is committed once the
        /// file is synced and at its final name (`DurableRenamer`).
        case verified(AttemptRecord)
        /// Nothing more can be done in this worker (disk full, key rejected): release and stop.
        case fatal(String)
        /// Read this file back on the `OnDiskReader`'s thread; go on with `readBackFinished`.
        case readBack(OnDiskReader<FileTask>.Request)
    }

    let store: JobStore
    let settings: JobSettings
    let options: RunOptions
    let hooks: TestHooks?
    let durability: Durability
    /// This worker's share of `--limit-rate`, taken by every body it receives.
    let limiter: RateLimiter?
    let logger: Logger
    /// Handles for storage hosts: they never carry the bearer token (see `CurlHandlePool`).
    let storageHandles: CurlHandlePool
    /// Handles for range requests (`JobExecutor+Ranges`): storage handles kept on HTTP/1.1, since
    /// ranges multiplexed on one HTTP/2 connection share its one window, which is what they are
    /// meant to get past.
    let rangeHandles: CurlHandlePool

    init(
        store: JobStore, settings: JobSettings,
        options: RunOptions, hooks: TestHooks? = nil, durability: Durability = Durability(), logger: Logger
    ) {
        self.hooks = hooks
        self.durability = durability
        // Worker processes share one bucket in a file of this machine's; one worker keeps it
        // in memory, as do several when that file cannot be made (each then takes an equal share).
        limiter = options.maxBytesPerSecond.map { cap in
            guard options.workers > 1 else { return RateLimiter(bytesPerSecond: cap) }
            let shared = RateLimiter(bytesPerSecond: cap, sharedPath: store.machineLocalPath + "-rate")
            return shared.isShared ? shared : RateLimiter(bytesPerSecond: cap / Int64(options.workers))
        }
        self.store = store
        self.settings = settings
        self.options = options
        self.logger = logger
        let http = options.http
        storageHandles = CurlHandlePool(limit: options.maxConcurrentRequests * 2) { easy in
            try easy.apply(http, followRedirects: true)
        }
        rangeHandles = CurlHandlePool(limit: options.maxConcurrentRequests) { easy in
            try easy.apply(http, followRedirects: true)
            try easy.set(CCURLOPT_HTTP_VERSION, Int(CCURL_HTTP_VERSION_1_1))
        }
    }

    /// Takes back the handle of a request `handle` has dealt with for `task`; `phase` is the one it
    /// was made for.
    func recycle(_ easy: CurlEasy, phase: FileTask.Phase, task: FileTask) {
        if phase != .download {
            task.session.requests.recycle(easy)
        } else if easy.receiver is RangeReceiver {
            rangeHandles.give(easy)
        } else {
            storageHandles.give(easy)
        }
    }

    // MARK: - Start

    func start(_ task: FileTask) -> Step {
        if let refusal = task.session.refusal { return fail(task, refusal) }
        if task.file.destName == nil || task.file.expectedSize == nil {
            task.phase = .metadata
            let requests = task.session.requests
            return make(task, "GET \(requests.endpoint)\(DRSPaths.objects)\(task.objectID)") { try requests.drsObject(id: task.objectID).0 }
        }
        return prepareDownload(task)
    }

    func prepareDownload(_ task: FileTask) -> Step {
        guard let destName = task.file.destName else { return fail(task, "no file name to save under") }
        let finalPath = FilePaths.join(settings.downloadPath, destName)
        let entry = FilePaths.entry(finalPath)
        if entry != .none {
            if let read = readExistingFirst(task, finalPath: finalPath, entry: entry) { return read }
            if let step = existing(task, finalPath: finalPath, entry: entry) { return step }
        }
        // Looking names up in a large directory waits for the renamer's changes to it; on a row's
        // first claim nothing of ours can be at the part name.
        let mayHavePart = task.file.claimedBefore || options.skipCompleted
        let part = mayHavePart ? FilePaths.entry(finalPath + ".part") : .none
        task.partAbsent = part == .none
        if case .regular(let length) = part, let read = readPartFirst(task, finalPath: finalPath, length: length) { return read }
        if let size = task.file.expectedSize, size > 0, part == .regular(size: size), !hasRangesToFetch(task) {
            // An earlier attempt wrote every byte but stopped before the rename.
            if case .failed(let step) = openSink(task, finalPath: finalPath) { return step }
            if let sink = task.sink, task.resumeOffset == size { return finishBody(task, sink: sink, status: nil) }
        }
        return presign(task)
    }

    /// The file at the final name is read back on the reader's thread when its md5 decides what it
    /// is (beside the loop, which goes on: a rerun over many files already there takes both cores):
    /// nil to decide now.
    private func readExistingFirst(_ task: FileTask, finalPath: String, entry: FilePaths.Entry) -> Step? {
        guard task.readExisting?.path != finalPath, case .regular(let length) = entry,
            ExistingFileRule.needsMD5(
                entry: entry, expectedSize: task.file.expectedSize, expectedMD5: task.file.expectedMD5,
                claimedBefore: task.file.claimedBefore, skipCompleted: options.skipCompleted)
        else { return nil }
        let line: Logger.Message = "\(finalPath) is already there: reading it to check its md5 (\(ByteCount.format(length)))"
        logger.log(level: length >= ReadBack.noticeSize ? .info : .debug, line)
        return .readBack(OnDiskReader<FileTask>.Request(path: finalPath, kind: .existing))
    }

    /// An earlier attempt's part file of `length` bytes is read back on the reader's thread before
    /// the file asks for its URL, when the body will go on after it on one connection (a file
    /// fetched in ranges has its own thread for that); nil to go on.
    private func readPartFirst(_ task: FileTask, finalPath: String, length: Int64) -> Step? {
        guard !task.partReadBack, length > 0, let size = task.file.expectedSize, length <= size else { return nil }
        guard let ranges = try? store.ranges(fileID: task.file.id) else { return nil }
        let complete = length == size && !ranges.contains { !$0.isComplete }
        let oneConnection = ranges.isEmpty && !options.fetchesInRanges(size: size)
        guard complete || oneConnection else { return nil }
        task.partReadBack = true
        return .readBack(OnDiskReader<FileTask>.Request(path: finalPath + ".part", kind: .part))
    }

    /// Goes on with a file once `OnDiskReader` has read it back.
    func readBackFinished(_ result: OnDiskReader<FileTask>.Result) -> Step {
        let task = result.item
        switch result.request.kind {
        case .existing:
            let md5 = result.read.map { $0.md5.finalize() }
            task.readExisting = (result.request.path, result.read?.length ?? -1, md5)
        case .part:
            task.readPart = result.read
        }
        return prepareDownload(task)
    }

    /// Something is at the final name (`ExistingFileRule`): the step that settles the file without a
    /// download, or nil to download (over it with `--overwrite`).
    private func existing(_ task: FileTask, finalPath: String, entry: FilePaths.Entry) -> Step? {
        let decision = ExistingFileRule.decide(
            path: finalPath, entry: entry, expectedSize: task.file.expectedSize, expectedMD5: task.file.expectedMD5,
            claimedBefore: task.file.claimedBefore, skipCompleted: options.skipCompleted, policy: options.existingFiles
        ) {
            // Asked only when `readExistingFirst` has had the file read back.
            guard let read = task.readExisting, read.path == finalPath, read.length == task.file.expectedSize else { return nil }
            return read.md5
        } partFile: {
            FilePaths.entry(finalPath + ".part")
        }
        let size = task.file.expectedSize ?? 0
        switch decision {
        case .isTheFile(let md5):
            // Named by a link then the part name's unlink (`Durability`), with a crash in between:
            // the part name is a second name of this file. The directory is synced before the commit.
            if task.file.claimedBefore && FilePaths.areOneFile(finalPath + ".part", finalPath) { unlink(finalPath + ".part") }
            return .finished(AttemptRecord(fileID: task.file.id, outcome: .done(md5: md5), startedAt: task.startedAt, bytesOnDisk: size))
        case .skip:
            return .finished(AttemptRecord(fileID: task.file.id, outcome: .skipped, startedAt: task.startedAt, bytesOnDisk: size))
        case .overwrite:
            task.replacesExisting = true
            return nil
        case .refuse(let reason):
            return fail(task, reason)
        case .rename:
            guard let destName = task.file.destName else { return fail(task, "no file name to save under") }
            let setting = DestinationNamer.unlessTaken { [store] in try store.setDestName(fileID: task.file.id, to: $0) }
            let renamed: String?
            do {
                renamed = try DestinationNamer.firstFreeAlternative(to: destName) { candidate in
                    try FilePaths.entry(FilePaths.join(settings.downloadPath, candidate)) == .none && setting(candidate)
                }
            } catch {
                return retry(task, "could not record a new name for \(destName): \(error)")
            }
            guard let renamed else {
                return fail(task, "\(finalPath) and its first \(DestinationNamer.maxAlternatives) alternatives are all taken")
            }
            logger.info("\(task.file.guid): \(finalPath) is taken by a file this job did not write; saving as \(renamed)")
            task.file.destName = renamed
            return prepareDownload(task)
        }
    }

    private enum SinkOpening {
        case opened
        case failed(Step)
    }

    /// Opens (or continues) the part file; only done once a body is about to arrive, so a file that
    /// fails earlier leaves nothing on disk.
    private func openSink(_ task: FileTask, finalPath: String) -> SinkOpening {
        if task.sink != nil { return .opened }
        do {
            let opened = try FileSinks.open(
                finalPath: finalPath, expectedSize: task.file.expectedSize, replacesExisting: task.replacesExisting,
                partAbsent: task.partAbsent, readPart: task.readPart, durability: durability, hooks: hooks)
            task.readPart = nil
            task.sink = opened.sink
            task.resumeOffset = opened.offset
        } catch let error as SinkError {
            return .failed(sinkFailure(task, error))
        } catch {
            return .failed(fail(task, "\(error)"))
        }
        return .opened
    }

    /// Asks Fence for this file's URL on its own: the bulk answer lacked it, or it got too old.
    func presignOne(_ task: FileTask) -> Step {
        task.presignAlone = true
        return presign(task)
    }

    private func presign(_ task: FileTask) -> Step {
        task.phase = .presign
        // Asked ahead of the transfer (`PresignAhead`), in bulk or one by one, unless it already asked.
        if !task.presignAlone && !task.session.withoutFenceDownload { return .needsURL }
        if task.session.withoutFenceDownload { return presignViaDRS(task) }
        let session = task.session
        return withToken(task) { token in
            make(task, "GET \(session.endpoint)/user/data/download/\(task.objectID)") {
                try session.requests.presign(guid: task.objectID, token: token).0
            }
        }
    }

    /// `request` with the task's commons' token, or the step its absence leads to.
    func withToken(_ task: FileTask, _ request: (String) -> Step) -> Step {
        let session = task.session
        if let refusal = session.refusal { return fail(task, refusal) }
        guard let tokens = session.tokens else { return fail(task, "no credentials for \(session.endpoint)") }
        let token: String
        do {
            token = try tokens.current()
        } catch let error as CommonsError {
            if error.isTransient { return retry(task, error.localizedDescription) }
            // The job's own key was checked before the run: it stops the run. Another commons'
            // refusal stops only its own files.
            if session.isPrimary { return .fatal(error.localizedDescription) }
            session.refusal = "\(session.endpoint): \(error.localizedDescription)"
            logger.error("\(session.refusal ?? "")")
            return fail(task, session.refusal ?? "")
        } catch {
            return retry(task, "\(error)")
        }
        task.bearer = token
        return request(token)
    }

    /// Fetches the body from `url`, a presigned URL from Fence.
    func startDownload(_ task: FileTask, url: String) -> Step {
        task.phase = .download
        let lower = url.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://") else {
            return fail(task, "the commons gave a presigned URL that is not http(s): \(redactedURL(url).prefix(100))")
        }
        guard let destName = task.file.destName else { return fail(task, "no file name to save under") }
        let finalPath = FilePaths.join(settings.downloadPath, destName)
        if let step = startRanges(task, url: url, finalPath: finalPath) { return step }
        if case .failed(let step) = openSink(task, finalPath: finalPath) { return step }
        guard let sink = task.sink else { return fail(task, "internal: no file open") }
        return make(task, "GET \(redactedURL(url))") {
            let easy = try storageHandles.take()
            easy.receiver = DownloadReceiver(sink: sink, requestedFrom: task.resumeOffset, limiter: limiter)
            try easy.set(CCURLOPT_URL, string: url)
            if task.resumeOffset > 0 {
                try easy.set(CCURLOPT_RANGE, string: "\(task.resumeOffset)-")
            } else {
                try easy.set(CCURLOPT_RANGE, pointer: nil)
            }
            logger.debug("GET \(redactedURL(url))\(task.resumeOffset > 0 ? " from byte \(task.resumeOffset)" : "")")
            return easy
        }
    }

    func make(_ task: FileTask, _ label: @autoclosure () -> String, _ build: () throws -> CurlEasy) -> Step {
        if logger.logLevel <= .debug {
            task.requestLabel = label()
            task.requestStarted = Clock.monotonic()
        }
        do {
            return .request(try build())
        } catch {
            return retry(task, "could not set up the request: \(error)")
        }
    }

    // MARK: - Answers

    func handle(_ task: FileTask, easy: CurlEasy, code: Int32) -> Step {
        if logger.logLevel <= .debug {
            let outcome = easy.error(for: code).map { "curl \($0.code)" } ?? "HTTP \(easy.responseCode)"
            logger.debug(
                "\(task.requestLabel) → \(outcome) in \(Int((Clock.monotonic() - task.requestStarted) * 1000)) ms\(easy.openedConnection ? " on a new connection" : "")"
            )
        }
        switch task.phase {
        case .metadata: return handleDRSObject(task, easy: easy, code: code)
        case .indexRecord: return handleIndex(task, easy: easy, code: code)
        case .presign: return handlePresign(task, easy: easy, code: code)
        case .accessMethods: return handleAccessMethods(task, easy: easy, code: code)
        case .access: return handleAccess(task, easy: easy, code: code)
        case .download: return handleDownload(task, easy: easy, code: code)
        }
    }

    private func handleIndex(_ task: FileTask, easy: CurlEasy, code: Int32) -> Step {
        guard let receiver = easy.receiver as? MemoryReceiver else { return fail(task, "internal: wrong receiver") }
        let answer = Answer(
            curlError: easy.error(for: code), status: receiver.head.status, retryAfter: receiver.head.retryAfter,
            snippet: receiver.bodySnippet(maxLength: 120), oversized: receiver.exceededLimit)
        if let step = conclude(task, AttemptPolicy.indexd(answer), status: answer.status) { return step }
        guard let record = IndexRecord.parse(receiver.body) else {
            return conclude(task, AttemptPolicy.unreadableRecord, status: answer.status) ?? fail(task, "internal: no verdict")
        }
        return resolve(task, record: record)
    }

    func resolve(_ task: FileTask, record: IndexRecord) -> Step {
        var file = task.file
        file.fileName = file.fileName ?? record.fileName
        file.expectedSize = file.expectedSize ?? record.size
        file.expectedMD5 = file.expectedMD5 ?? record.md5
        let wanted = file.destName ?? DestinationNamer.resolved(guid: file.guid, fileName: file.fileName, format: settings.filenameFormat)
        // The one clash rule applies to a name indexd supplies: another file of the job may have it.
        let record = DestinationNamer.unlessTaken { [store, file] name in
            try store.resolveMetadata(
                fileID: file.id, fileName: file.fileName, destName: name, size: file.expectedSize, md5: file.expectedMD5)
        }
        do {
            guard let name = try record(wanted) ? wanted : DestinationNamer.firstFreeAlternative(to: wanted, take: record) else {
                return fail(task, "\(wanted) and its first \(DestinationNamer.maxAlternatives) alternatives are all taken in this job")
            }
            file.destName = name
        } catch {
            return retry(task, "could not record indexd metadata: \(error)")
        }
        task.file = file
        return prepareDownload(task)
    }

    private func handlePresign(_ task: FileTask, easy: CurlEasy, code: Int32) -> Step {
        guard let receiver = easy.receiver as? MemoryReceiver else { return fail(task, "internal: wrong receiver") }
        let answer = Answer(
            curlError: easy.error(for: code), status: receiver.head.status, retryAfter: receiver.head.retryAfter,
            snippet: scrubbed(receiver.bodySnippet(maxLength: 4096), task), oversized: receiver.exceededLimit)
        if FenceRoute.isMissing(status: answer.status, body: receiver.body) {
            // A DRS server without Fence's routes: its access route gives the URLs.
            if !task.session.withoutFenceDownload {
                logger.info("\(task.session.endpoint) has no Fence download route; asking its DRS access route")
            }
            task.session.withoutFenceDownload = true
            return presignViaDRS(task)
        }
        if let step = conclude(task, AttemptPolicy.fence(answer, refreshedToken: task.refreshedToken), status: answer.status) {
            return step
        }
        guard let url = CommonsRequests.presignedURL(from: receiver.body) else {
            return conclude(task, AttemptPolicy.fenceWithoutURL, status: answer.status) ?? fail(task, "internal: no verdict")
        }
        return startDownload(task, url: url)
    }

    private func handleDownload(_ task: FileTask, easy: CurlEasy, code: Int32) -> Step {
        if easy.receiver is RangeReceiver { return handleRange(task, easy: easy, code: code) }
        guard let receiver = easy.receiver as? DownloadReceiver, let sink = task.sink else {
            return fail(task, "internal: wrong receiver")
        }
        sink.drain()
        let answer = Answer(
            curlError: easy.error(for: code), status: receiver.head.status, retryAfter: receiver.head.retryAfter,
            snippet: receiver.errorSnippet)
        let body = BodyState(
            written: sink.written, expectedSize: task.file.expectedSize, rangeMismatch: receiver.rangeMismatch,
            sinkFailure: sink.failure)
        return conclude(task, AttemptPolicy.storage(answer, body: body), status: answer.status)
            ?? finishBody(task, sink: sink, status: answer.status)
    }

    /// The md5 check of a body of the right size: only a verified file goes on to be synced and renamed.
    func finishBody(_ task: FileTask, sink: any FileSink, status: Int?) -> Step {
        if let step = conclude(
            task, AttemptPolicy.complete(BodyState(written: sink.written, expectedSize: task.file.expectedSize)),
            status: status)
        {
            return step
        }
        if sink.inMemory || task.ranges != nil {
            // Hashing is the largest piece of the transfer loop's work on a small file: the renamer
            // checks it instead, before the file gets a name (`DurableRenamer`, `checksumFailed`).
            // A ranged file's md5 is its hashing thread's, which may still be reading the last
            // ranges back: the renamer waits for it, not the transfer loop.
            task.md5Deferred = true
            return .verified(
                AttemptRecord(
                    fileID: task.file.id, outcome: .done(md5: ""), startedAt: task.startedAt,
                    httpStatus: status, bytesReceived: sink.written - task.resumeOffset,
                    bytesOnDisk: sink.written))
        }
        let md5 = sink.md5()
        if let step = conclude(task, AttemptPolicy.checksum(expected: task.file.expectedMD5, actual: md5), status: status) {
            return step
        }
        return .verified(
            AttemptRecord(
                fileID: task.file.id, outcome: .done(md5: md5), startedAt: task.startedAt,
                httpStatus: status, bytesReceived: sink.written - task.resumeOffset,
                bytesOnDisk: sink.written))
    }

    /// A body the renamer found not to match its md5 (see `finishBody`).
    func checksumFailed(_ task: FileTask, actual: String, status: Int?) -> Step {
        conclude(task, AttemptPolicy.checksum(expected: task.file.expectedMD5 ?? "?", actual: actual), status: status)
            ?? fail(task, "internal: a matching md5 reported as a mismatch")
    }

    /// A verified file that could not be synced or renamed.
    func durabilityFailed(_ task: FileTask, _ error: SinkError, status: Int?) -> Step {
        task.sink?.close()
        return sinkFailure(task, error, status: status)
    }

    /// Server text with this attempt's token cut out: a server that echoes the Authorization header
    /// back must not get the token into the job table or the report.
    func scrubbed(_ text: String, _ task: FileTask) -> String {
        guard let bearer = task.bearer, bearer.count >= 8 else { return text }
        return text.replacingOccurrences(of: bearer, with: "[token]")
    }

    // MARK: - Outcomes

    /// Carries out what `AttemptPolicy` decided about a verdict: nil when the file goes on
    /// (`.proceed`), else the step that ends or repeats this request.
    func conclude(_ task: FileTask, _ verdict: Verdict, status: Int?) -> Step? {
        let now = Clock.now()
        switch AttemptPolicy.schedule(verdict, attempt: task.attempt, policy: options.retry, now: now, jitter: .random(in: 0..<1)) {
        case .proceed:
            return nil
        case .refreshToken:
            // Not counted as an attempt.
            task.refreshedToken = true
            task.session.tokens?.invalidate()
            logger.info("fence at \(task.session.endpoint) answered 401 for \(task.file.guid); refreshing the access token")
            return presign(task)
        case .retry(let reason, let notBefore, let pause, let discardPart):
            if let pause { task.session.pauseUntil = max(task.session.pauseUntil, pause) }
            settle(task, discardPart: discardPart)
            logger.info("\(task.file.guid) attempt \(task.attempt) failed: \(reason); retrying in \(Int((notBefore - now).rounded()))s")
            return .finished(record(task, .retry(notBefore: notBefore), reason, status))
        case .fail(let reason, let pause, let discardPart):
            if let pause { task.session.pauseUntil = max(task.session.pauseUntil, pause) }
            settle(task, discardPart: discardPart)
            // An empty part file is clutter; a non-empty one is kept for `gen3 retry` to continue.
            if let sink = task.sink, sink.written == 0 { sink.discard() }
            logger.info("\(task.file.guid) failed: \(reason)")
            return .finished(record(task, .failed, reason, status))
        case .stopWorker(let reason):
            return .fatal(reason)
        }
    }

    /// Closes this attempt's file, keeping what a later attempt can continue.
    private func settle(_ task: FileTask, discardPart: Bool) {
        stopRanges(task)
        if discardPart {
            task.sink?.discard()
            // After the part file is gone: a crash in between leaves ranges that the next attempt
            // cuts to the (missing) part file's length.
            if task.ranges != nil { try? store.deleteRanges(fileID: task.file.id) }
        } else {
            task.sink?.close()
        }
    }

    func sinkFailure(_ task: FileTask, _ error: SinkError, status: Int? = nil) -> Step {
        conclude(task, AttemptPolicy.durability(error), status: status) ?? fail(task, error.localizedDescription)
    }

    func fail(_ task: FileTask, _ message: String, status: Int? = nil) -> Step {
        conclude(task, .permanent(message), status: status) ?? .fatal(message)
    }

    func retry(_ task: FileTask, _ message: String, status: Int? = nil) -> Step {
        conclude(task, .transient(message), status: status) ?? .fatal(message)
    }

    private func record(_ task: FileTask, _ outcome: AttemptRecord.Outcome, _ message: String, _ status: Int?) -> AttemptRecord {
        let onDisk = task.sink?.written ?? 0
        // A file that fails for good says how its commons was decided: a wrong guess shows there.
        let reason = outcome == .failed ? task.resolution.map { "\(message) (\($0))" } ?? message : message
        return AttemptRecord(
            fileID: task.file.id, outcome: outcome, startedAt: task.startedAt, httpStatus: status,
            error: reason, bytesReceived: max(0, onDisk - task.resumeOffset), bytesOnDisk: onDisk)
    }

    /// Hands a task back until `until`, without using up an attempt: its commons asked for a pause.
    func deferred(_ task: FileTask, until: Double) -> AttemptRecord {
        task.sink?.close()
        return AttemptRecord(
            fileID: task.file.id, outcome: .deferred(until: until), startedAt: task.startedAt,
            error: "waiting until \(task.session.endpoint) takes requests again (Retry-After)")
    }

    /// Hands a task back without an outcome (shutdown, fatal error elsewhere): keeps its part file.
    func release(_ task: FileTask, reason: String?) -> AttemptRecord {
        stopRanges(task)
        task.sink?.close()
        let onDisk = task.sink?.written ?? 0
        return AttemptRecord(
            fileID: task.file.id, outcome: .released, startedAt: task.startedAt, error: reason,
            bytesReceived: max(0, onDisk - task.resumeOffset), bytesOnDisk: onDisk)
    }
}
