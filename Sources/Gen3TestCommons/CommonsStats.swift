import Foundation

/// What the commons has seen, as a snapshot.
public struct CommonsStats: Sendable, Equatable {
    public var tokensIssued = 0
    public var requests: [Route: Int] = [:]
    /// Body bytes written to the socket, per GUID.
    public var bytesServed: [String: Int] = [:]
    public var totalBytesServed: Int { bytesServed.values.reduce(0, +) }
    /// Requests to the storage host that carried an Authorization header (must stay 0).
    public var authorizationHeadersAtStorage = 0
    /// Storage requests with a Range header.
    public var rangeRequests = 0
    /// Query strings Fence's download route received (e.g. `protocol=s3`).
    public var downloadQueries: [String] = []
}

/// The live counters behind ``CommonsStats``, with a condition tests can wait on.
final class StatsRecorder: @unchecked Sendable {
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

    /// Blocks until `predicate` holds (re-checked on every update) or `timeout` seconds pass.
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
