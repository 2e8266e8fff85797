/// One file the commons serves.
public struct TestObject: Sendable, Equatable {
    public let index: Int
    public let guid: String
    public let fileName: String
    public let size: Int
    public let md5: String
}

/// Deterministic content: byte `k` of object `index` depends only on (seed, index, k), so any range
/// is produced without holding the object in memory.
struct ContentGenerator: Sendable {
    let seed: UInt64

    /// splitmix64 of a block number: stateless, so ranges start anywhere.
    @inline(__always)
    private func block(_ index: Int, _ number: UInt64) -> UInt64 {
        var z = seed &+ UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15 &+ number &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Bytes `offset..<offset+count` of object `index`.
    func bytes(index: Int, offset: Int, count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var position = 0
        while position < count {
            let absolute = offset + position
            let word = block(index, UInt64(absolute / 8))
            let start = absolute % 8
            let take = min(8 - start, count - position)
            for k in 0..<take { out[position + k] = UInt8(truncatingIfNeeded: word >> (UInt64(start + k) * 8)) }
            position += take
        }
        return out
    }

    /// A GUID in UUID form from (seed, index).
    func guid(index: Int) -> String {
        let a = block(index, 0xFFFF_0001), b = block(index, 0xFFFF_0002)
        let hex = String(a, radix: 16).leftPadded(16) + String(b, radix: 16).leftPadded(16)
        let chars = Array(hex)
        return "dg.TEST/" + String(chars[0..<8]) + "-" + String(chars[8..<12]) + "-" + String(chars[12..<16]) + "-"
            + String(chars[16..<20]) + "-" + String(chars[20..<32])
    }

    /// A size in `minimum...maximum` from (seed, index).
    func size(index: Int, minimum: Int, maximum: Int) -> Int {
        guard maximum > minimum else { return minimum }
        return minimum + Int(block(index, 0xFFFF_0003) % UInt64(maximum - minimum + 1))
    }
}

extension String {
    func leftPadded(_ width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
