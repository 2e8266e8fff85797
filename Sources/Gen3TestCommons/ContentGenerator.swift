import Digest

/// Deterministic content, GUIDs and sizes: byte `k` of object `index` depends only on
/// (seed, index, k), so any byte range is produced on the fly, without the object in memory.
///
/// The content is splitmix64 evaluated at 8-byte block numbers (counter mode), written little
/// endian, so filling is one multiply-xorshift round per 8 bytes and any offset is a fresh start.
struct ContentGenerator: Sendable {
    let seed: UInt64

    private static let golden: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// splitmix64's finaliser.
    @inline(__always)
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The per-object key every other value of that object derives from.
    @inline(__always)
    private func key(_ index: Int) -> UInt64 {
        Self.mix(seed &+ Self.mix(UInt64(truncatingIfNeeded: index) &+ 1) &* Self.golden)
    }

    @inline(__always)
    private static func word(_ key: UInt64, _ block: UInt64) -> UInt64 {
        mix(key &+ (block &+ 1) &* golden)
    }

    /// Fills `buffer` with bytes `offset..<offset+buffer.count` of object `index`.
    func fill(_ buffer: UnsafeMutableRawBufferPointer, index: Int, offset: Int) {
        let key = key(index)
        let count = buffer.count
        var position = 0
        var block = UInt64(offset / 8)
        var skip = offset % 8
        while position < count {
            let word = Self.word(key, block).littleEndian
            let take = min(8 - skip, count - position)
            if take == 8 {
                buffer.storeBytes(of: word, toByteOffset: position, as: UInt64.self)
            } else {
                withUnsafeBytes(of: word) { bytes in
                    for k in 0..<take { buffer[position + k] = bytes[skip + k] }
                }
            }
            position += take
            block += 1
            skip = 0
        }
    }

    /// Bytes `offset..<offset+count` of object `index`.
    func bytes(index: Int, offset: Int, count: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            fill(UnsafeMutableRawBufferPointer(buffer), index: index, offset: offset)
            initialized = count
        }
    }

    /// A GUID from (seed, index): `<prefix>/` and a version-4-shaped UUID.
    func guid(index: Int, prefix: String) -> String {
        let key = key(index)
        var bytes: [UInt8] = []
        for half in [Self.mix(key ^ 0x6775_6964_0000_0001), Self.mix(key ^ 0x6775_6964_0000_0002)] {
            withUnsafeBytes(of: half.bigEndian) { bytes += $0 }
        }
        bytes[6] = bytes[6] & 0x0f | 0x40
        bytes[8] = bytes[8] & 0x3f | 0x80
        let hex = Array(Hex.lowercase(bytes))
        let groups = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(hex[$0]) }
        return prefix + "/" + groups.joined(separator: "-")
    }

    /// A size in `minimum...maximum` from (seed, index).
    func size(index: Int, minimum: Int, maximum: Int) -> Int {
        guard maximum > minimum else { return minimum }
        let span = UInt64(maximum - minimum) + 1
        return minimum + Int(Self.mix(key(index) ^ 0x7369_7a65) % span)
    }
}
