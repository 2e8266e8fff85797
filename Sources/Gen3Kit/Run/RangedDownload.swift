/// A file whose body comes as byte ranges on several connections at once (`RangedSink`): which
/// ranges are still to ask for, which requests are running, and whether the storage host turned
/// out to ignore Range. Belongs to its `FileTask`; the executor moves it on, the worker runs its
/// requests.
final class RangedDownload {
    /// The file's presigned URL: every range asks it.
    let url: String
    let sink: RangedSink
    /// Requests at most at once.
    let connections: Int
    /// Indexes of ranges of `sink` to ask for, in file order.
    private var pending: [Int]
    /// The requests running, by their easy handle, with the range each continues.
    private var running: [ObjectIdentifier: (easy: CurlEasy, index: Int)] = [:]
    /// Requests stopped before their end, which the worker still has to take out of its multi handle.
    private var abandoned: [CurlEasy] = []
    /// The storage host answered a range with the whole file: the rest comes on one connection.
    private(set) var singleConnection = false
    /// Failed range requests that may still be asked again in this attempt (`retry`).
    private(set) var retriesLeft: Int

    /// Range requests of one attempt asked again after their connection failed, per connection
    /// allowed: a few dropped connections cost a round trip each, while a host that keeps
    /// dropping them ends the attempt, and its backoff applies.
    static let retriesPerConnection = 2

    init(url: String, sink: RangedSink, connections: Int) {
        self.url = url
        self.sink = sink
        self.connections = max(1, connections)
        retriesLeft = Self.retriesPerConnection * max(1, connections)
        pending = sink.ranges.indices.filter { !sink.ranges[$0].isComplete }
    }

    /// Whether another request could start now.
    var wantsConnection: Bool { !singleConnection && !pending.isEmpty && running.count < connections }

    /// Whether any range request is running.
    var isRunning: Bool { !running.isEmpty }

    /// The next range to ask for, if another request may start.
    func takeNext() -> Int? {
        guard wantsConnection else { return nil }
        return pending.removeFirst()
    }

    /// A range whose request could not be made goes back to the front.
    func putBack(_ index: Int) { pending.insert(index, at: 0) }

    func started(_ easy: CurlEasy, index: Int) { running[ObjectIdentifier(easy)] = (easy, index) }

    /// The request for range `index` failed and it is to be asked again: true (and the range goes
    /// back to the front) while retries are left.
    func retry(_ index: Int) -> Bool {
        guard retriesLeft > 0, !singleConnection else { return false }
        retriesLeft -= 1
        putBack(index)
        return true
    }

    /// A request that could not be started after all: its range goes back to the front.
    func cancel(_ easy: CurlEasy) {
        if let index = finished(easy) { putBack(index) }
    }

    /// The range `easy` was fetching, now that it has finished.
    func finished(_ easy: CurlEasy) -> Int? { running.removeValue(forKey: ObjectIdentifier(easy))?.index }

    /// Stops every running request (the attempt is over, or goes on with one connection) and asks
    /// for no more ranges.
    func abandonAll() {
        abandoned += running.values.map(\.easy)
        running.removeAll()
        pending.removeAll()
    }

    /// From now on the body comes whole, on one connection.
    func fallBackToOneConnection() {
        abandonAll()
        singleConnection = true
    }

    /// The requests stopped since the last call, for the worker to remove.
    func takeAbandoned() -> [CurlEasy] {
        defer { abandoned.removeAll() }
        return abandoned
    }
}
