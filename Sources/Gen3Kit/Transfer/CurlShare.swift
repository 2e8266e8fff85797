import CCurl

#if canImport(Glibc)
    import Glibc
#endif

/// A libcurl share handle: the connections, DNS answers and TLS sessions of the handles that use
/// it (`CurlEasy.use`), kept between their requests. A commons' own requests share one
/// (`AccessTokenProvider.connections`): the token request, the resolver's questions and the
/// worker's URL requests then go over the connection the one before opened, where each opened its
/// own (a round trip each, more with TLS). Storage requests keep their multi handle's cache.
///
/// libcurl calls `lock` and `unlock` around each use of the shared data, one mutex per kind of
/// data, as it may hold one while taking another. libcurl does not let two threads use shared
/// connections at the same time: a share belongs to one run, whose main thread uses it before its
/// worker's thread starts, and the worker's alone after that. Each handle using it keeps it alive.
package final class CurlShare {
    let handle: UnsafeMutableRawPointer
    private let locks: UnsafeMutablePointer<pthread_mutex_t>
    private let lockCount: Int

    package init() throws {
        precondition(CurlGlobal.initialized, "curl_global_init failed")
        guard let handle = ccurl_share_init() else { throw CurlError(code: -1, detail: "curl_share_init failed") }
        self.handle = handle
        lockCount = Int(CCURL_LOCK_DATA_LAST)
        locks = .allocate(capacity: lockCount)
        for index in 0..<lockCount { pthread_mutex_init(locks + index, nil) }
        var code = ccurl_share_setopt_ptr(handle, CCURLSHOPT_USERDATA, UnsafeMutableRawPointer(locks))
        if code == 0 { code = ccurl_share_setopt_lock_cb(handle, lockShared) }
        if code == 0 { code = ccurl_share_setopt_unlock_cb(handle, unlockShared) }
        for data in [CCURL_LOCK_DATA_DNS, CCURL_LOCK_DATA_SSL_SESSION, CCURL_LOCK_DATA_CONNECT] where code == 0 {
            code = ccurl_share_setopt_long(handle, CCURLSHOPT_SHARE, Int(data))
        }
        guard code == 0 else {
            _ = ccurl_share_cleanup(handle)
            for index in 0..<lockCount { pthread_mutex_destroy(locks + index) }
            locks.deallocate()
            throw CurlError(code: code, detail: "could not set up a curl share handle")
        }
    }

    /// Runs once no handle uses the share any more (each keeps it alive), so the cleanup succeeds
    /// and the connections it kept close.
    deinit {
        _ = ccurl_share_cleanup(handle)
        for index in 0..<lockCount { pthread_mutex_destroy(locks + index) }
        locks.deallocate()
    }
}

/// libcurl's lock callback: `userdata` is the share's array of mutexes, one per kind of data.
private let lockShared: ccurl_lock_cb = { _, data, _, userdata in
    guard let locks = userdata?.assumingMemoryBound(to: pthread_mutex_t.self), data >= 0, data < CCURL_LOCK_DATA_LAST else { return }
    pthread_mutex_lock(locks + Int(data))
}

private let unlockShared: ccurl_unlock_cb = { _, data, userdata in
    guard let locks = userdata?.assumingMemoryBound(to: pthread_mutex_t.self), data >= 0, data < CCURL_LOCK_DATA_LAST else { return }
    pthread_mutex_unlock(locks + Int(data))
}
