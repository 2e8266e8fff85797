import NIOConcurrencyHelpers

/// The faults set on a commons, consumed as requests arrive. Thread-safe.
final class FaultPlan: @unchecked Sendable {
    private struct Entry {
        let fault: Fault
        let guid: String?
        var remaining: FaultCount
    }

    private let lock = NIOLock()
    private var entries: [Entry] = []

    func add(_ fault: Fault, guid: String?, times: FaultCount) {
        lock.withLock { entries.append(Entry(fault: fault, guid: guid, remaining: times)) }
    }

    func clear() { lock.withLock { entries.removeAll() } }

    /// The fault to show for this request, if any; counts it as fired.
    func take(route: Route, guid: String) -> Fault? {
        lock.withLock {
            guard let index = entries.firstIndex(where: { $0.fault.route == route && ($0.guid == nil || $0.guid == guid) }) else {
                return nil
            }
            let fault = entries[index].fault
            if case .times(let count) = entries[index].remaining {
                if count <= 1 { entries.remove(at: index) } else { entries[index].remaining = .times(count - 1) }
            }
            return fault
        }
    }
}
