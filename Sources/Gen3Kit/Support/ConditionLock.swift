#if canImport(Glibc)
    import Glibc
#endif

/// A mutex with one condition variable, for the run's few threads (the renamer, the md5 thread,
/// an in-process worker) without Foundation.
final class ConditionLock: @unchecked Sendable {
    // Sendable: a pthread mutex and condition exist to be shared between threads.
    // Allocated, not stored properties: pthread objects must not move.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    func locked<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Inside `locked`: sleeps until another thread calls `broadcast`.
    func wait() {
        pthread_cond_wait(condition, mutex)
    }

    /// Inside `locked`: sleeps until `broadcast` or the Unix time `deadline`; false once it has passed.
    func wait(until deadline: Double) -> Bool {
        let seconds = deadline.rounded(.down)
        var until = timespec(tv_sec: Int(seconds), tv_nsec: Int((deadline - seconds) * 1e9))
        return pthread_cond_timedwait(condition, mutex, &until) != ETIMEDOUT
    }

    /// Wakes every waiting thread; call it inside `locked`, after changing what they wait for.
    func broadcast() {
        pthread_cond_broadcast(condition)
    }
}
