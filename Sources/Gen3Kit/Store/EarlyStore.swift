/// A session on a job, opened on a thread of its own from the moment it is made: a run whose job
/// database is a server far away connects its worker's session (several round trips: TCP, TLS,
/// authentication, schema, clock) while its own session reads what the run needs first, instead
/// of after. `take` waits for the open and gives the session, or throws the open's error.
final class EarlyStore {
    private final class Opened {
        var result: Result<JobStore, Error>?
    }

    private let opened = Opened()
    private let thread: JoinableThread

    init(location: String) {
        thread = JoinableThread { [opened] in
            opened.result = Result { try JobStore(path: location, create: false) }
        }
    }

    deinit { thread.join() }

    func take() throws -> JobStore {
        thread.join()
        guard let result = opened.result else { preconditionFailure("the opening thread ended without a result") }
        return try result.get()
    }
}
