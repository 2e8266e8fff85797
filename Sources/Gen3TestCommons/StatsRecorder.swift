import Foundation

/// The live counters behind ``CommonsStats``, with a condition tests wait on instead of sleeping.
final class StatsRecorder: @unchecked Sendable {
    // NSCondition rather than a plain lock: every update wakes the waiters in ``wait(timeout:until:)``.
    private let condition = NSCondition()
    private var stats = CommonsStats()

    var snapshot: CommonsStats {
        condition.lock()
        defer { condition.unlock() }
        return stats
    }

    func update(_ change: (inout CommonsStats) -> Void) {
        condition.lock()
        change(&stats)
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks until `predicate` holds (checked again on every update) or `timeout` seconds pass;
    /// returns whether it holds.
    func wait(timeout: Double, until predicate: (CommonsStats) -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while !predicate(stats) {
            if !condition.wait(until: deadline) { return predicate(stats) }
        }
        return true
    }
}
