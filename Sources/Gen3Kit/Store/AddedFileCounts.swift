/// What an empty job's import appended, per commons, for `file_counts`: the import turns off the
/// trigger that counts inserted rows while it appends (SQLite's runs once for each row;
/// PostgreSQL's keeps a copy of every row for its sums), and adds these sums once at the end
/// instead. Every row it appends is new and pending with nothing on disk, so the sums are exact.
struct AddedFileCounts {
    struct Sums {
        var files: Int64 = 0
        var expectedBytes: Int64 = 0
        var unknownSizes: Int64 = 0
    }

    /// By commons as the manifest gives it, '' for none (the job's endpoint).
    private var byCommons: [String: Sums] = [:]

    /// Counts one row of commons `commons` and expected size `size`.
    mutating func add(commons: String?, size: Int64?) {
        byCommons[commons ?? "", default: Sums()].add(size: size)
    }

    mutating func add(_ other: AddedFileCounts) {
        for (commons, sums) in other.byCommons { byCommons[commons, default: Sums()].add(sums) }
    }

    /// Adds the sums to the job's counts with `statement` (its parameters: commons, files,
    /// expected bytes, unknown sizes).
    func save(_ database: any SQLDatabase, _ statement: String) throws {
        // Keyed as stored: text up to its first NUL (`ParameterBuffer`).
        var stored: [String: Sums] = [:]
        for (commons, sums) in byCommons { stored[ManifestImporter.untilNUL(commons), default: Sums()].add(sums) }
        for (commons, sums) in stored {
            try database.run(statement, .text(commons), .integer(sums.files), .integer(sums.expectedBytes), .integer(sums.unknownSizes))
        }
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
