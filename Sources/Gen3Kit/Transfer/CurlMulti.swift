import CCurl

/// A libcurl multi handle driving many transfers on one thread; keeps each added easy handle alive
/// until it is removed.
package final class CurlMulti {
    let handle: UnsafeMutableRawPointer
    private var active: [UnsafeMutableRawPointer: CurlEasy] = [:]

    package init(maxHostConnections: Int = 0, maxTotalConnections: Int = 0) throws {
        precondition(CurlGlobal.initialized, "curl_global_init failed")
        guard let handle = ccurl_multi_init() else { throw CurlError(code: -1, detail: "curl_multi_init failed") }
        self.handle = handle
        if maxHostConnections > 0 { _ = ccurl_multi_setopt_long(handle, CCURLMOPT_MAX_HOST_CONNECTIONS, maxHostConnections) }
        if maxTotalConnections > 0 {
            _ = ccurl_multi_setopt_long(handle, CCURLMOPT_MAX_TOTAL_CONNECTIONS, maxTotalConnections)
            _ = ccurl_multi_setopt_long(handle, CCURLMOPT_MAXCONNECTS, maxTotalConnections * 2)
        }
    }

    deinit {
        for (pointer, _) in active { _ = ccurl_multi_remove_handle(handle, pointer) }
        active.removeAll()
        _ = ccurl_multi_cleanup(handle)
    }

    package func add(_ easy: CurlEasy) throws {
        let code = ccurl_multi_add_handle(handle, easy.handle)
        guard code == 0 else { throw CurlError(code: code, detail: String(cString: ccurl_multi_strerror(code))) }
        active[easy.handle] = easy
    }

    package func remove(_ easy: CurlEasy) {
        guard active.removeValue(forKey: easy.handle) != nil else { return }
        _ = ccurl_multi_remove_handle(handle, easy.handle)
    }

    /// Does whatever work is ready without blocking; returns the number of running transfers.
    @discardableResult
    package func perform() throws -> Int {
        var running: Int32 = 0
        let code = ccurl_multi_perform(handle, &running)
        guard code == 0 else { throw CurlError(code: code, detail: String(cString: ccurl_multi_strerror(code))) }
        return Int(running)
    }

    /// Waits up to `timeoutMilliseconds` for activity on any transfer.
    package func poll(timeoutMilliseconds: Int) {
        var fds: Int32 = 0
        _ = ccurl_multi_poll(handle, Int32(clamping: timeoutMilliseconds), &fds)
    }

    /// Ends a `poll` in progress now; may be called from any thread.
    package func wakeup() {
        _ = ccurl_multi_wakeup(handle)
    }

    /// Removes and returns the transfers that finished, with curl's result code for each.
    package func takeFinished() -> [(easy: CurlEasy, code: Int32)] {
        var finished: [(CurlEasy, Int32)] = []
        var easyPointer: UnsafeMutableRawPointer?
        var result: Int32 = 0
        while ccurl_multi_info_done(handle, &easyPointer, &result) == 1 {
            guard let pointer = easyPointer, let easy = active[pointer] else { continue }
            finished.append((easy, result))
        }
        for (easy, _) in finished { remove(easy) }
        return finished
    }
}
