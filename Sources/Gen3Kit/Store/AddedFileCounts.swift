/// What an empty job's import appended, per commons, for `file_counts`: the import drops the
/// trigger that counts each inserted row while it appends (the trigger costs more per row than
/// the rest of the insert does), and adds these sums once at the end instead. Every row it
/// appends is new and pending with nothing on disk, so the sums are exact.
struct AddedFileCounts {
    struct Sums {
        var files: Int64 = 0
        var expectedBytes: Int64 = 0
        var unknownSizes: Int64 = 0
    }

    /// Files of no commons of their own (the job's endpoint): most, or all, of a manifest's.
    private var endpoint = Sums()
    /// The others, by commons as stored (up to a NUL, as `ParameterBuffer` binds text).
    private var named: [String: Sums] = [:]
    /// The last named commons and its sums so far, not yet in `named`: a manifest's rows of one
    /// commons tend to come together, and this spares hashing each.
    private var last: (commons: String, sums: Sums)?

    /// Counts one row of commons `commons` and expected size `size`.
    mutating func add(commons: String?, size: Int64?) {
        guard let commons else { return endpoint.add(size: size) }
        if last?.commons != commons {
            flushLast()
            last = (commons, named.removeValue(forKey: commons) ?? Sums())
        }
        last?.sums.add(size: size)
    }

    mutating func add(_ other: AddedFileCounts) {
        var other = other
        other.flushLast()
        endpoint.add(other.endpoint)
        for (commons, sums) in other.named {
            add(sums, of: commons)
        }
    }

    /// Adds the sums to the job's counts.
    func save(_ connection: Connection) throws {
        var all = self
        all.flushLast()
        var byKey: [String: Sums] = [:]
        for (commons, sums) in all.named { byKey[ManifestImporter.untilNUL(commons), default: Sums()].add(sums) }
        if all.endpoint.files > 0 { byKey["", default: Sums()].add(all.endpoint) }
        let statement = try connection.statement(FileQueries.addPendingCounts)
        for (commons, sums) in byKey {
            try statement.run(.text(commons), .integer(sums.files), .integer(sums.expectedBytes), .integer(sums.unknownSizes))
        }
    }

    private mutating func flushLast() {
        guard let (commons, sums) = last else { return }
        last = nil
        add(sums, of: commons)
    }

    private mutating func add(_ sums: Sums, of commons: String) {
        named[commons, default: Sums()].add(sums)
    }
}

extension AddedFileCounts.Sums {
    // Sizes adding up past 2^63 bytes are a hostile manifest's: saturated rather than trapping
    // (SQLite's own sums turn approximate there too).
    mutating func add(size: Int64?) {
        files += 1
        if let size { expectedBytes = Self.sum(expectedBytes, size) } else { unknownSizes += 1 }
    }

    mutating func add(_ other: Self) {
        files += other.files
        expectedBytes = Self.sum(expectedBytes, other.expectedBytes)
        unknownSizes += other.unknownSizes
    }

    private static func sum(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? .max : .min) : sum
    }
}
