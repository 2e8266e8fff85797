import NIOConcurrencyHelpers

/// The faults set on a commons, used up as requests arrive. Thread-safe: tests set and clear
/// faults from their own thread while the event loops take them.
final class FaultPlan: Sendable {
    private struct Entry {
        let fault: Fault
        let guid: String?
        var remaining: FaultCount
    }

    private let entries = NIOLockedValueBox<[Entry]>([])

    /// Adds a fault for requests about `guid`, or about any object when `guid` is nil.
    func add(_ fault: Fault, guid: String?, times: FaultCount) {
        if case .times(let count) = times, count <= 0 { return }
        entries.withLockedValue { $0.append(Entry(fault: fault, guid: guid, remaining: times)) }
    }

    /// Removes every fault.
    func clear() { entries.withLockedValue { $0.removeAll() } }

    /// The fault this request shows, if any, counted as used. A fault set for the request's GUID
    /// wins over a global one; among equals, the one set first.
    func take(route: Route, guid: String?) -> Fault? {
        entries.withLockedValue { entries in
            guard let index = Self.match(entries, route: route, guid: guid) else { return nil }
            let fault = entries[index].fault
            if case .times(let count) = entries[index].remaining {
                if count <= 1 { entries.remove(at: index) } else { entries[index].remaining = .times(count - 1) }
            }
            return fault
        }
    }

    /// The fault `take` would return, left in place.
    func peek(route: Route, guid: String?) -> Fault? {
        entries.withLockedValue { entries in Self.match(entries, route: route, guid: guid).map { entries[$0].fault } }
    }

    private static func match(_ entries: [Entry], route: Route, guid: String?) -> Int? {
        let candidates = entries.indices.filter { entries[$0].fault.route == route }
        return candidates.first(where: { guid != nil && entries[$0].guid == guid })
            ?? candidates.first(where: { entries[$0].guid == nil })
    }
}
