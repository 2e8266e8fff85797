import Foundation

/// Why the proxy could not start.
package enum LatencyProxyError: LocalizedError, Equatable {
    /// A setting is out of range.
    case invalidSetting(String)

    package var errorDescription: String? {
        switch self {
        case .invalidSetting(let reason): return "invalid latency setting: \(reason)"
        }
    }
}
