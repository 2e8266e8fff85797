/// How many matching requests a fault acts on before it is used up.
public enum FaultCount: Sendable, Hashable {
    /// The next `n` matching requests (0 sets nothing).
    case times(Int)
    /// Every matching request until ``TestCommons/clearFaults()``.
    case always
}
