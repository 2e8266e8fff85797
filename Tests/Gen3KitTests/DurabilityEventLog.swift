import Foundation

@testable import Gen3Kit

/// The durability steps in the order they happened, from any thread: what a test's `Durability`
/// observer records.
final class DurabilityEventLog: @unchecked Sendable {
    // Unchecked: `events` is only touched under `lock`.
    private let lock = NSLock()
    private var events: [DurabilityEvent] = []
    func append(_ event: DurabilityEvent) { lock.withLock { events.append(event) } }
    var all: [DurabilityEvent] { lock.withLock { events } }
}
