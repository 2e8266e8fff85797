/// SplitMix64: a small, fast, deterministic random number generator, so that a test that draws its
/// inputs from a seed draws the same ones every time and a failure reproduces.
public struct SeededGenerator: RandomNumberGenerator {
    public var state: UInt64

    public init(state: UInt64) { self.state = state }

    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// `count` random bytes.
    public mutating func bytes(_ count: Int) -> [UInt8] {
        var words = (0..<(count + 7) / 8).map { _ in next() }
        return words.withUnsafeMutableBytes { Array($0.prefix(count)) }
    }
}
