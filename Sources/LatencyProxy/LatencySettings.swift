import Foundation
import NIOCore

/// What the proxy adds to every connection, as a path to a distant host would: a round trip before
/// a new connection carries anything (its handshake), half a round trip on every byte in each
/// direction, and a cap on the bytes in flight in each direction (the bandwidth-delay limit of a
/// TCP window: one connection moves at most `window` bytes per round trip).
///
/// ```swift
/// let settings = LatencySettings(roundTrip: .milliseconds(40), window: 4 << 20)
/// // one connection tops out near 4 MiB / 40 ms ≈ 105 MB/s
/// ```
package struct LatencySettings: Sendable, Equatable {
    /// Time for bytes to reach the other end and their acknowledgement to come back.
    package var roundTrip: TimeAmount
    /// Delay before a new connection carries its first byte.
    package var connectionSetup: TimeAmount
    /// Bytes a direction may have taken from its sender and not yet had acknowledged.
    package var window: Int

    /// `connectionSetup` defaults to one round trip, as a TCP handshake takes.
    package init(roundTrip: TimeAmount, connectionSetup: TimeAmount? = nil, window: Int) {
        self.roundTrip = roundTrip
        self.connectionSetup = connectionSetup ?? roundTrip
        self.window = window
    }

    /// Half a round trip: how long each byte takes to arrive.
    var oneWay: TimeAmount { .nanoseconds(roundTrip.nanoseconds / 2) }

    /// The most one read takes from a sender: a direction asks for a read only while the window has
    /// room for a whole one, so the bytes in flight never exceed `window`, and stay within an eighth
    /// of it while the sender has more.
    var readSize: Int { max(512, min(Self.maximumReadSize, window / 8)) }

    /// Large enough that a gigabyte a second is a few thousand reads.
    static let maximumReadSize = 256 << 10

    /// Throws when a field is out of range.
    package func validate() throws {
        guard roundTrip.nanoseconds >= 0, connectionSetup.nanoseconds >= 0 else {
            throw LatencyProxyError.invalidSetting("delays must not be negative")
        }
        guard window >= 1024 else { throw LatencyProxyError.invalidSetting("the window must be at least 1024 bytes, got \(window)") }
    }

    /// A byte count as people write them: `4194304`, `4MiB`, `512KiB`, `1GiB`, or `4M` and `512K`
    /// for the same binary units; nil when it is not one.
    package static func byteCount(_ text: String) -> Int? {
        let units: [(suffix: String, factor: Int)] = [
            ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10), ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10), ("B", 1),
        ]
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let unit = units.first { trimmed.hasSuffix($0.suffix) }
        let number = unit.map { String(trimmed.dropLast($0.suffix.count)) } ?? trimmed
        guard let value = Int(number), value >= 0 else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: unit?.factor ?? 1)
        return overflow ? nil : product
    }
}
