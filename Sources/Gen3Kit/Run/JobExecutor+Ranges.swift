import CCurl

/// A large file's body as byte ranges on several connections at once (`RangePlan`, `RangedSink`,
/// `RangedDownload`). Every range asks the file's one presigned URL. A range that ends as asked
/// lets the next one start; a request whose connection failed is asked again for the rest of its
/// range, a few times per attempt (`AttemptPolicy.retriesRange`); any other answer ends the
/// attempt as a single request's would (`AttemptPolicy.storage`), stopping the other ranges and
/// keeping what they wrote. The ranges'
/// progress is in the job database before the first byte and follows the bytes, never ahead of
/// them, so the next attempt (or run, after a kill) asks only for what is missing.
extension JobExecutor {
    /// Starts fetching `task`'s body in ranges from `url`, or nil when it comes whole: its size is
    /// unknown, or at most `--range-threshold`, or `--max-connections-per-file` is 1, and no
    /// earlier attempt left ranges (those are always continued as ranges, whatever the options).
    func startRanges(_ task: FileTask, url: String, finalPath: String) -> Step? {
        guard task.sink == nil, let size = task.file.expectedSize, size > 0 else { return nil }
        let recorded: [FileRange]
        do {
            // A first claim has no part file, so no ranges either.
            recorded = task.partAbsent ? [] : try store.ranges(fileID: task.file.id)
        } catch {
            return retry(task, "could not read the file's ranges from the job database: \(error)")
        }
        guard !recorded.isEmpty || options.fetchesInRanges(size: size) else { return nil }
        let sink: RangedSink
        do {
            sink = try RangedSink.open(
                finalPath: finalPath, expectedSize: size, recorded: recorded, connections: options.maxConnectionsPerFile,
                replacesExisting: task.replacesExisting, durability: durability,
                checkpointStep: hooks?.rangeCheckpointBytes ?? RangePlan.checkpointStep, hooks: hooks)
        } catch let error as SinkError {
            return sinkFailure(task, error)
        } catch {
            return fail(task, "\(error)")
        }
        task.sink = sink
        task.resumeOffset = sink.written
        task.ranges = RangedDownload(url: url, sink: sink, connections: options.maxConnectionsPerFile)
        do {
            // Before the first byte: a part file with holes always has ranges that say where.
            try store.replaceRanges(fileID: task.file.id, sink.ranges)
            sink.recorded()
        } catch {
            return retry(task, "could not record the file's ranges in the job database: \(error)")
        }
        if sink.written == size { return finishBody(task, sink: sink, status: nil) }
        logger.debug(
            "\(task.file.guid): \(sink.ranges.filter { !$0.isComplete }.count) ranges to fetch on up to \(options.maxConnectionsPerFile) connections, \(sink.written) bytes already in the part file"
        )
        guard let range = task.ranges?.takeNext() else { return fail(task, "internal: no range to fetch") }
        return make(task, "GET \(redactedURL(url)) ranges") { try rangeRequest(task, index: range) }
    }

    /// Another request for `task`'s next range, when one may start now (the worker asks while it
    /// has free transfer slots); nil when none may, or it could not be made.
    func nextRange(_ task: FileTask) -> CurlEasy? {
        guard let download = task.ranges, let index = download.takeNext() else { return nil }
        do {
            return try rangeRequest(task, index: index)
        } catch {
            download.putBack(index)
            return nil
        }
    }

    /// The request for range `index` of `task`'s sink, from its first missing byte to its end.
    private func rangeRequest(_ task: FileTask, index: Int) throws -> CurlEasy {
        guard let download = task.ranges else { throw CurlError(code: -1, detail: "no ranged download") }
        let range = download.sink.ranges[index]
        let easy = try rangeHandles.take()
        easy.receiver = RangeReceiver(sink: download.sink, index: index, requestedFrom: range.next, limiter: limiter)
        try easy.set(CCURLOPT_URL, string: download.url)
        try easy.set(CCURLOPT_RANGE, string: "\(range.next)-\(range.end - 1)")
        download.started(easy, index: index)
        return easy
    }

    /// One range request ended.
    func handleRange(_ task: FileTask, easy: CurlEasy, code: Int32) -> Step {
        guard let download = task.ranges, let receiver = easy.receiver as? RangeReceiver, download.finished(easy) != nil else {
            return fail(task, "internal: a range request of no ranged download")
        }
        if receiver.ignoredRange { return fetchRestWhole(task, download) }
        receiver.flush()
        let sink = download.sink
        let range = sink.ranges[receiver.index]
        let answer = Answer(
            curlError: easy.error(for: code), status: receiver.head.status, retryAfter: receiver.head.retryAfter,
            snippet: receiver.errorSnippet)
        // The range is this request's whole body.
        let body = BodyState(
            written: range.done, expectedSize: range.length, rangeMismatch: receiver.rangeMismatch, sinkFailure: sink.failure)
        let verdict = AttemptPolicy.storage(answer, body: body)
        if case .transient(let reason, _, _, _) = verdict, AttemptPolicy.retriesRange(answer, verdict: verdict),
            download.retry(receiver.index)
        {
            logger.info(
                "\(task.file.guid): the request for bytes \(range.next)-\(range.end - 1) failed (\(reason)); asking for them again, \(download.retriesLeft) such retries left in this attempt"
            )
        } else if let step = conclude(task, verdict, status: answer.status) {
            return step
        }
        // A complete range is recorded at once: a kill then fetches none of it again; so is what a
        // failed request got.
        recordProgress(task)
        if let index = download.takeNext() {
            return make(task, "GET \(redactedURL(download.url)) range") { try rangeRequest(task, index: index) }
        }
        if download.isRunning { return .continuing }
        return finishBody(task, sink: sink, status: answer.status)
    }

    /// The storage host answered a range with the whole file, so it ignores Range (or some of the
    /// time): the other ranges stop, the part file keeps the bytes from its start that are all
    /// there, and one request fetches the rest, as for a file that is not ranged.
    private func fetchRestWhole(_ task: FileTask, _ download: RangedDownload) -> Step {
        logger.info("\(task.file.guid): the storage host answered a range request with the whole file; fetching it on one connection")
        download.fallBackToOneConnection()
        let sink = download.sink
        do {
            try sink.collapse()
            // After the part file is cut: a crash in between leaves ranges that the next attempt
            // cuts to the part file's length.
            try store.deleteRanges(fileID: task.file.id)
        } catch let error as SinkError {
            return sinkFailure(task, error)
        } catch {
            return retry(task, "could not forget the file's ranges in the job database: \(error)")
        }
        return make(task, "GET \(redactedURL(download.url)) whole") {
            let easy = try storageHandles.take()
            easy.receiver = DownloadReceiver(sink: sink, requestedFrom: sink.written, limiter: limiter)
            try easy.set(CCURLOPT_URL, string: download.url)
            if sink.written > 0 {
                try easy.set(CCURLOPT_RANGE, string: "\(sink.written)-")
            } else {
                try easy.set(CCURLOPT_RANGE, pointer: nil)
            }
            return easy
        }
    }

    /// Records in the job database, in one transaction, how far the ranges of these files have got
    /// in their part files.
    func recordRanges(_ tasks: [FileTask]) throws {
        // A file gone over to one connection has no ranges left to record.
        let sinks = tasks.compactMap { task in
            task.ranges.flatMap { $0.singleConnection ? nil : (fileID: task.file.id, sink: $0.sink) }
        }
        let progress = sinks.flatMap { entry in entry.sink.unrecorded.map { (fileID: entry.fileID, range: $0) } }
        guard !progress.isEmpty else { return }
        try store.saveRangeProgress(progress)
        for entry in sinks { entry.sink.recorded() }
    }

    /// Whether the job database records ranges of `task`'s file that are not all in its part file:
    /// the part file's length then says nothing of what it holds.
    func hasRangesToFetch(_ task: FileTask) -> Bool {
        guard let ranges = try? store.ranges(fileID: task.file.id) else { return true }
        return ranges.contains { !$0.isComplete }
    }

    /// Stops `task`'s range requests (the worker removes them) and records how far they got.
    func stopRanges(_ task: FileTask) {
        guard let download = task.ranges else { return }
        download.abandonAll()
        recordProgress(task)
    }

    /// `recordRanges` for one file, whose transfers go on whether or not it could.
    private func recordProgress(_ task: FileTask) {
        do {
            try recordRanges([task])
        } catch {
            // The next attempt fetches again what only this record would have kept.
            logger.warning("\(task.file.guid): could not record its ranges' progress: \(error)")
        }
    }
}
