import Foundation

/// Errors of the test commons itself (not the HTTP errors it serves on purpose).
public enum TestCommonsError: LocalizedError, Equatable {
    /// The configuration contradicts itself.
    case invalidConfiguration(String)
    /// A wait for the commons to see something did not end in time.
    case timedOut(String)

    public var errorDescription: String? {
        switch self {
        case .invalidConfiguration(let reason): return "invalid test commons configuration: \(reason)"
        case .timedOut(let what): return "timed out waiting for \(what)"
        }
    }
}
