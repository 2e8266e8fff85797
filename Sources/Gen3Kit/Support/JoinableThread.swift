#if canImport(Glibc)
    import Glibc
#endif

/// A thread running one closure, which can be joined; for the few long-lived threads of a run
/// (the renamer, an in-process worker) without Foundation's `Thread`.
final class JoinableThread {
    private var thread = pthread_t()
    private let state = State()
    private var joined = false

    init(_ body: @escaping () -> Void) {
        let state = state
        let context = Unmanaged.passRetained(
            Box {
                body()
                state.finish()
            })
        let status = pthread_create(
            &thread, nil,
            { raw in
                let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
                box.body()
                return nil
            }, context.toOpaque())
        precondition(status == 0, "could not start a thread: errno \(status)")
    }

    deinit { join() }

    /// Sleeps until the closure has returned or `seconds` have passed (0: not at all); whether it
    /// has returned.
    func waitUntilFinished(seconds: Double) -> Bool { state.waitUntilFinished(seconds: seconds) }

    func join() {
        guard !joined else { return }
        joined = true
        pthread_join(thread, nil)
    }

    /// Lets the thread run on with nothing waiting for it: it ends on its own, or with the process.
    func detach() {
        guard !joined else { return }
        joined = true
        pthread_detach(thread)
    }

    private final class State {
        private let lock = ConditionLock()
        private var finished = false

        func waitUntilFinished(seconds: Double) -> Bool {
            lock.locked {
                let deadline = Clock.now() + seconds
                while !finished && lock.wait(until: deadline) {}
                return finished
            }
        }

        func finish() {
            lock.locked {
                finished = true
                lock.broadcast()
            }
        }
    }

    private final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }
}
