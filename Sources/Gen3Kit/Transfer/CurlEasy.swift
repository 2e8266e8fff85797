import CCurl

/// One libcurl easy handle. Owns the handle, its header list and its error buffer; cleaned up in
/// `deinit`. Body and header bytes go to `receiver`.
package final class CurlEasy {
    let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var headerList: OpaquePointer?
    package var receiver: CurlReceiver?
    /// The share handle this one uses, kept alive until this one is cleaned up.
    private var share: CurlShare?
    /// The write callback paused the transfer (`resume` lets it go on).
    package var isPaused = false
    /// When it last paused (`Clock.monotonic`), so that the longest paused go on first.
    package private(set) var pausedAt: Double = 0

    package init() throws {
        precondition(CurlGlobal.initialized, "curl_global_init failed")
        guard let handle = ccurl_easy_init() else { throw CurlError(code: -1, detail: "curl_easy_init failed") }
        self.handle = handle
        errorBuffer = .allocate(capacity: Int(CCURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CCURL_ERROR_SIZE))
        let me = Unmanaged.passUnretained(self).toOpaque()
        try set(CCURLOPT_ERRORBUFFER, pointer: UnsafeRawPointer(errorBuffer))
        try set(CCURLOPT_WRITEFUNCTION, callback: curlWriteCallback)
        try set(CCURLOPT_WRITEDATA, pointer: me)
        try set(CCURLOPT_HEADERFUNCTION, callback: curlHeaderCallback)
        try set(CCURLOPT_HEADERDATA, pointer: me)
        try set(CCURLOPT_NOSIGNAL, 1)
    }

    deinit {
        ccurl_easy_cleanup(handle)
        if let headerList { ccurl_slist_free_all(headerList) }
        errorBuffer.deallocate()
    }

    // MARK: - Options

    package func set(_ option: Int32, _ value: Int) throws {
        try check(ccurl_setopt_long(handle, option, value))
    }

    package func set(_ option: Int32, string: String) throws {
        // libcurl copies string options, so the temporary C string may go away after the call.
        try check(string.withCString { ccurl_setopt_ptr(handle, option, $0) })
    }

    func set(_ option: Int32, pointer: UnsafeRawPointer?) throws {
        try check(ccurl_setopt_ptr(handle, option, pointer))
    }

    func set(_ option: Int32, callback: ccurl_data_cb) throws {
        try check(ccurl_setopt_data_cb(handle, option, callback))
    }

    /// Keeps connections, DNS answers and TLS sessions in `share`, with the other handles using it.
    func use(_ share: CurlShare) throws {
        try set(CCURLOPT_SHARE, pointer: UnsafeRawPointer(share.handle))
        self.share = share
    }

    /// Replaces the request headers (e.g. `Authorization: Bearer …`).
    package func setHeaders(_ headers: [String]) throws {
        if let headerList { ccurl_slist_free_all(headerList) }
        headerList = nil
        for header in headers {
            guard let appended = ccurl_slist_append(headerList, header) else {
                throw CurlError(code: -1, detail: "out of memory building headers")
            }
            headerList = appended
        }
        try set(CCURLOPT_HTTPHEADER, pointer: headerList.map { UnsafeRawPointer($0) })
    }

    /// Makes the request a POST of `body` (copied by libcurl).
    package func setPostBody(_ body: String) throws {
        let count = body.utf8.count
        try set(CCURLOPT_POSTFIELDSIZE, count)
        try set(CCURLOPT_COPYPOSTFIELDS, string: body)
    }

    /// Applies the shared network settings. Only http and https, for the URL and every redirect.
    package func apply(_ options: HTTPOptions, followRedirects: Bool) throws {
        try set(CCURLOPT_PROTOCOLS_STR, string: "http,https")
        try set(CCURLOPT_REDIR_PROTOCOLS_STR, string: "http,https")
        try set(CCURLOPT_FOLLOWLOCATION, followRedirects ? 1 : 0)
        try set(CCURLOPT_MAXREDIRS, options.maxRedirects)
        // Never resend credentials to a host a redirect points at.
        try set(CCURLOPT_UNRESTRICTED_AUTH, 0)
        try set(CCURLOPT_CONNECTTIMEOUT_MS, Int(options.connectTimeout * 1000))
        try set(CCURLOPT_LOW_SPEED_LIMIT, options.lowSpeedLimit)
        try set(CCURLOPT_LOW_SPEED_TIME, options.stallSeconds)
        try set(CCURLOPT_SSL_VERIFYPEER, options.verifyTLS ? 1 : 0)
        try set(CCURLOPT_SSL_VERIFYHOST, options.verifyTLS ? 2 : 0)
        try set(CCURLOPT_USERAGENT, string: options.userAgent)
        try set(CCURLOPT_TCP_KEEPALIVE, 1)
        try set(CCURLOPT_BUFFERSIZE, 256 * 1024)
    }

    // MARK: - Running and results

    /// Runs the request to completion on this thread (for the rare blocking call: the token).
    package func perform() throws {
        errorBuffer[0] = 0
        let code = ccurl_easy_perform(handle)
        if let error = error(for: code) { throw error }
    }

    /// Forgets the last transfer's error text, so a reused handle never reports an old one.
    func clearError() { errorBuffer[0] = 0 }

    /// The error for a finished transfer's result code, or nil for success.
    package func error(for code: Int32) -> CurlError? {
        guard code != CCURLE_OK else { return nil }
        let outOfFiles = CurlError.failedToConnect(code) ? OpenFileLimit.exhausted() : nil
        return CurlError(code: code, detail: String(cString: errorBuffer), openFilesErrno: outOfFiles)
    }

    package var responseCode: Int {
        var code = 0
        _ = ccurl_getinfo_long(handle, CCURLINFO_RESPONSE_CODE, &code)
        return code
    }

    /// Whether the last transfer opened a connection rather than reusing one (for the log: a new
    /// connection costs a round trip more, or several with TLS).
    var openedConnection: Bool {
        var count = 0
        _ = ccurl_getinfo_long(handle, CCURLINFO_NUM_CONNECTS, &count)
        return count > 0
    }

    /// Seconds from the last transfer's request sent (its connection open) to the first byte of
    /// the answer: a round trip and the server's own time. Nil when it is unknown.
    var firstByteWait: Double? {
        var sent: Int64 = 0
        var answered: Int64 = 0
        guard ccurl_getinfo_off(handle, CCURLINFO_PRETRANSFER_TIME_T, &sent) == CCURLE_OK,
            ccurl_getinfo_off(handle, CCURLINFO_STARTTRANSFER_TIME_T, &answered) == CCURLE_OK, answered > 0
        else { return nil }
        return Double(max(0, answered - sent)) / 1_000_000
    }

    /// Marks the transfer paused by its write callback.
    fileprivate func paused() {
        isPaused = true
        pausedAt = Clock.monotonic()
    }

    /// Lets a paused transfer go on; libcurl may deliver its held bytes from inside this call.
    package func resume() {
        isPaused = false
        _ = ccurl_easy_pause(handle, CCURLPAUSE_CONT)
    }

    private func check(_ code: Int32) throws {
        if code != CCURLE_OK { throw CurlError(code: code, detail: "setting a curl option") }
    }
}

private let curlWriteCallback: ccurl_data_cb = { pointer, size, count, userdata in
    let total = size * count
    guard let userdata else { return 0 }
    let easy = Unmanaged<CurlEasy>.fromOpaque(userdata).takeUnretainedValue()
    guard let receiver = easy.receiver else { return total }
    guard receiver.mayReceive(total) else {
        easy.paused()
        return CCURL_WRITEFUNC_PAUSE
    }
    return receiver.receiveBody(UnsafeRawBufferPointer(start: pointer, count: total)) ? total : 0
}

private let curlHeaderCallback: ccurl_data_cb = { pointer, size, count, userdata in
    let total = size * count
    guard let userdata else { return 0 }
    let easy = Unmanaged<CurlEasy>.fromOpaque(userdata).takeUnretainedValue()
    easy.receiver?.receiveHeader(UnsafeRawBufferPointer(start: pointer, count: total))
    return total
}
