import NIOConcurrencyHelpers

/// Holds Fence's access-token answers until the aggregate metadata service is asked (or a time
/// runs out): a client that asks its resolver while it waits for its token is seen doing so
/// (``CommonsStats/tokensReleasedByMetadata``), without the test timing anything.
final class TokenGate: Sendable {
    private struct Held {
        var opened = false
        var waiting: [@Sendable () -> Void] = []
    }

    /// Seconds a held answer waits at most.
    let timeout: Double
    private let held = NIOLockedValueBox(Held())

    init(timeout: Double) { self.timeout = timeout }

    /// Calls `send` once the gate is open (at once when it already is).
    func whenOpen(_ send: @escaping @Sendable () -> Void) {
        let now = held.withLockedValue { held -> Bool in
            if held.opened { return true }
            held.waiting.append(send)
            return false
        }
        if now { send() }
    }

    /// Opens the gate for every answer held and every one to come; whether this call opened it.
    @discardableResult
    func open() -> Bool {
        let (opened, waiting) = held.withLockedValue { held -> (Bool, [@Sendable () -> Void]) in
            guard !held.opened else { return (false, []) }
            held.opened = true
            defer { held.waiting = [] }
            return (true, held.waiting)
        }
        for send in waiting { send() }
        return opened
    }
}
