extension RunOptions {
    /// The wait for a commons' answer (a round trip and its own time, as its token request took)
    /// from which it counts as distant: loopback and a data centre's own network answer in well
    /// under it, a commons across a country or an ocean in several times it.
    public static let distantAnswerWait = 0.010

    /// Transfers when the user chose none and the commons is distant: twice the default, which
    /// at 40 ms still fits the memory promise (BENCHMARKS.md).
    public static let defaultDistantMaxConcurrentRequests = 256

    /// These options for a commons whose answers take `wait` seconds (nil: not measured):
    /// `distantMaxConcurrentRequests` transfers when it is distant. The result has no distant
    /// figure left, so workers take it as it is.
    package func sized(byAnswerWait wait: Double?) -> RunOptions {
        var options = self
        options.distantMaxConcurrentRequests = nil
        if let distant = distantMaxConcurrentRequests, let wait, wait >= Self.distantAnswerWait {
            options.maxConcurrentRequests = max(maxConcurrentRequests, distant)
        }
        return options
    }
}
