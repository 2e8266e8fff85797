import CLinux

#if canImport(Glibc)
    import Glibc
#endif

/// The import of a manifest into a job that has no files yet, which is how nearly every job starts.
/// The unique indexes on guid and dest_name are dropped, the rows appended, and the indexes built
/// again from them in the same transaction: building an index sorts its keys once, where keeping
/// it up to date puts each random GUID into a random page of a large index, most of a large
/// import's time. If the manifest repeats a GUID or two files want the same name, building an
/// index fails, everything rolls back, and the caller imports row by row, which decides those cases.
/// The trigger that counts each inserted row in `file_counts` is dropped and created again the
/// same way, the import adding what it appended to the counts itself (`AddedFileCounts`).
extension ManifestImporter {
    static let writebackRows = 65_536

    /// The summary, or nil when the manifest needs the row-by-row import (a repeat or a name clash).
    func importIntoEmptyJob(from reader: any ManifestReader, source path: String, options: ImportOptions, large: Bool) throws
        -> ImportSummary?
    {
        let indexes = try connection.statement(FileQueries.uniqueFileIndexes).rows { row in
            (name: row.string(0) ?? "", sql: row.string(1) ?? "")
        }
        // Without both unique indexes, appending could not tell a repeated GUID or name.
        guard Set(indexes.map(\.name)).isSuperset(of: ["files_guid", "files_dest_name"]) else { return nil }
        do {
            return try importTransaction(source: path, options: options, large: large) { importID, now in
                try appendAll(from: reader, importID: importID, now: now, indexes: indexes, options: options)
            }
        } catch let error as SQLiteError where error.isUniqueViolation {
            return nil
        }
    }

    private func appendAll(
        from reader: any ManifestReader, importID: Int64, now: Double,
        indexes: [(name: String, sql: String)], options: ImportOptions
    ) throws -> ImportSummary {
        for index in indexes { try connection.execute("DROP INDEX \"\(index.name)\"") }
        let countingTrigger = try connection.statement(FileQueries.countingInsertTrigger).first { $0.string(0) } ?? nil
        if countingTrigger != nil { try connection.execute("DROP TRIGGER file_counts_insert") }
        var added = AddedFileCounts()
        let append = try connection.prepare(FileQueries.insertFiles(rows: Self.batchRows, skipKnownGUIDs: false))
        var summary = ImportSummary()
        // The database file is written as pages leave SQLite's cache; without a push the kernel
        // holds them all and the commit's sync writes the whole file while nothing else runs.
        let databaseFile = open(connection.path, O_RDONLY | O_CLOEXEC)
        defer { if databaseFile >= 0 { close(databaseFile) } }
        let batches = Prefetcher(produce: Self.preparedBatches(of: reader, format: options.filenameFormat))
        while var batch = try batches.next() {
            batch.values.append(importID)
            batch.values.append(now)
            let statement =
                batch.rows == Self.batchRows
                ? append : try connection.prepare(FileQueries.insertFiles(rows: batch.rows, skipKnownGUIDs: false))
            summary.added += try batch.values.run(statement)
            if (summary.entries + batch.rows) / Self.writebackRows > summary.entries / Self.writebackRows, databaseFile >= 0 {
                _ = clinux_start_writeback(databaseFile, 0, 0)
            }
            summary.entries += batch.rows
            summary.withoutMetadata += batch.withoutMetadata
            added.add(batch.counts)
        }
        try added.save(connection, FileQueries.addPendingCounts)
        if let countingTrigger { try connection.execute(countingTrigger) }
        // The index builds sort every key: in temporary files, not in memory, so that a large
        // manifest does not raise the import's peak memory.
        try connection.execute("PRAGMA temp_store = FILE")
        // The manifest's thread is done by now: SQLite's sorter may use the cores it left free.
        let cores = max(1, min(4, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))
        try connection.execute("PRAGMA threads = \(cores)")
        defer { try? connection.execute("PRAGMA threads = 0") }
        for index in indexes {
            try connection.execute(index.sql)
            if databaseFile >= 0 { _ = clinux_start_writeback(databaseFile, 0, 0) }
        }
        return summary
    }

    /// A batch of rows with its parameters laid out, all but the import's id and time.
    private struct PreparedBatch {
        var rows = 0
        var withoutMetadata = 0
        var counts = AddedFileCounts()
        var values = ParameterBuffer(capacity: ManifestImporter.batchRows * FileQueries.rowParameters + 2)
    }

    /// Batches of `reader`'s entries, destinations decided and parameters laid out: done on the
    /// prefetching thread, this is work the inserting thread does not do.
    private static func preparedBatches(of reader: any ManifestReader, format: FilenameFormat) -> () throws -> PreparedBatch? {
        {
            var batch = PreparedBatch()
            while batch.rows < batchRows, let entry = try reader.next() {
                let dest = DestinationNamer.wanted(guid: entry.guid, fileName: entry.fileName, format: format)
                if dest == nil || entry.size == nil { batch.withoutMetadata += 1 }
                let commons = commons(of: entry)
                appendRow(entry, dest: dest, commons: commons, to: &batch.values)
                batch.counts.add(commons: commons, size: entry.size)
                batch.rows += 1
            }
            return batch.rows == 0 ? nil : batch
        }
    }
}
