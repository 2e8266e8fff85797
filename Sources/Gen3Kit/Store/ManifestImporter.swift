#if canImport(Glibc)
    import Glibc
#endif

/// Streams a manifest into the job table in one transaction: idempotent (only new GUIDs are added,
/// finished rows are never reset) and all-or-nothing (a bad entry leaves the database as it was).
package struct ManifestImporter {
    package let store: JobStore

    package init(store: JobStore) { self.store = store }

    /// The SQLite connection the import writes through.
    var connection: Connection {
        guard let sqlite = store.sqlite else { preconditionFailure("a PostgreSQL job imports through PostgresImport") }
        return sqlite
    }

    static let batchRows = 64

    /// A job's first import of a manifest at least this large (or of this many entries) goes
    /// through a rollback journal (see `importTransaction`). 8 MiB is about 50,000 entries of a
    /// portal's JSON.
    static let rollbackJournalBytes: Int64 = 8 << 20
    static let rollbackJournalEntries = 50_000

    package func importManifest(path: String, format: ManifestFormat? = nil, options: ImportOptions) throws -> ImportSummary {
        // A manifest of unknown size (a pipe) may be large.
        let large = (FilePaths.fileSize(path) ?? .max) >= Self.rollbackJournalBytes
        // An empty job's import starts over on the general path when it meets a repeated GUID or
        // name, reading the manifest again: a pipe goes to the general path at once, as what the
        // first pass read from it would be gone.
        let rereadable = FilePaths.isRegularFile(path)
        if store.sqlite == nil {
            if rereadable, try !store.hasFiles(),
                let summary = try importIntoEmptyPostgresJob(
                    from: PrefetchingManifestReader(try openManifest(path: path, format: format)), source: path, options: options)
            {
                return summary
            }
            return try importIntoPostgres(
                from: PrefetchingManifestReader(try openManifest(path: path, format: format)), source: path, options: options)
        }
        // Parsing runs a thread ahead of the inserts: each is seconds of work for a million GUIDs.
        if rereadable, try !store.hasFiles(),
            let summary = try importIntoEmptyJob(
                from: try openManifest(path: path, format: format), source: path, options: options, large: large)
        {
            return summary
        }
        return try importEntries(
            from: PrefetchingManifestReader(try openManifest(path: path, format: format)), source: path,
            options: options, large: large)
    }

    /// Imports whatever `reader` yields; `source` names it in the `imports` table. `large` says
    /// it may be tens of thousands of entries or more.
    package func importEntries(from reader: any ManifestReader, source path: String, options: ImportOptions, large: Bool = false) throws
        -> ImportSummary
    {
        if store.sqlite == nil { return try importIntoPostgres(from: reader, source: path, options: options) }
        return try importTransaction(source: path, options: options, large: large) { importID, now in
            try insertAll(from: reader, importID: importID, now: now, options: options)
        }
    }

    /// One import: in a transaction, with the connection set up for many inserts (and as it was
    /// after), the job's settings saved and the `imports` row written; `body` inserts the files of
    /// import `importID` at time `now`.
    func importTransaction(
        source path: String, options: ImportOptions, large: Bool,
        _ body: (_ importID: Int64, _ now: Double) throws -> ImportSummary
    ) throws -> ImportSummary {
        // A job's first large import has no reader to share the database with (there is nothing to
        // read yet), so it writes through a rollback journal instead of the WAL: for a fresh job
        // that journal holds a few pages, where the WAL takes every page and then copies it again
        // into the database. The WAL is back before this returns. A small import stays in the WAL:
        // the two journal switches cost more file syncs than the copy of a megabyte or two they save
        // (BENCHMARKS.md has the figures).
        let viaRollbackJournal = try large && !store.hasFiles() && connection.setJournalMode("delete") == "delete"
        defer { if viaRollbackJournal { _ = connection.setJournalMode("wal") } }
        // Each 64-row insert keeps a statement journal (to undo just that statement on a clash), a
        // temporary file by default: 600,000 writes for a million rows. In memory it is a few pages
        // per statement. Temporary tables of later queries (the failures sorted by reason, say) go
        // back to files.
        try? connection.execute("PRAGMA temp_store = MEMORY")
        defer { try? connection.execute("PRAGMA temp_store = DEFAULT") }
        return try connection.transaction(.immediate) {
            try saveSettings(options, downloadPath: FilePaths.absolute(options.downloadPath))
            let now = Clock.now()
            let importID = try connection.statement(FileQueries.insertImport).first(.text(path), .real(now)) { $0.int64(0) } ?? 0
            let summary = try body(importID, now)
            try connection.statement(FileQueries.finishImport).run(
                .integer(importID), .integer(Int64(summary.entries)),
                .integer(Int64(summary.added)))
            return summary
        }
    }

    private func insertAll(from reader: any ManifestReader, importID: Int64, now: Double, options: ImportOptions) throws -> ImportSummary {
        var summary = ImportSummary()
        var clashes: [String: [String]] = [:]
        var clashCount = 0
        var nextNumber: [String: Int] = [:]
        let insert = try connection.statement(FileQueries.insertFile)
        let insertBatch = try connection.statement(FileQueries.insertFiles(rows: Self.batchRows))
        let countFromThisImport = try connection.statement(FileQueries.countFromImport(rows: Self.batchRows))
        var batch: [(entry: ManifestEntry, dest: String?)] = []
        batch.reserveCapacity(Self.batchRows)
        var values = ParameterBuffer(capacity: Self.batchRows * FileQueries.rowParameters + 2)

        func insertOne(_ entry: ManifestEntry, wanted: String?) throws {
            var dest = wanted
            while true {
                do {
                    let changed = try insert.run(
                        .text(entry.guid), SQLValue(entry.fileName), SQLValue(dest),
                        SQLValue(entry.size), SQLValue(entry.md5), SQLValue(Self.commons(of: entry)), .integer(importID),
                        .real(now))
                    if changed == 1 {
                        summary.added += 1
                    } else if try existingImport(of: entry.guid) == importID {
                        summary.duplicates += 1
                    } else {
                        summary.alreadyInJob += 1
                    }
                    return
                } catch let error as SQLiteError where error.isUniqueViolation {
                    // The GUID may be taken too; that counts as a repeat, not a clash.
                    if let existing = try existingImport(of: entry.guid) {
                        if existing == importID { summary.duplicates += 1 } else { summary.alreadyInJob += 1 }
                        return
                    }
                    guard let taken = wanted else { throw error }
                    if options.rename {
                        let n = (nextNumber[taken] ?? 0) + 1
                        nextNumber[taken] = n
                        dest = DestinationNamer.alternative(to: taken, n)
                        if n == 1 { summary.renamed += 1 }
                        continue
                    }
                    clashCount += 1
                    if clashes.count < 20 || clashes[taken] != nil {
                        let owner = try store.guid(usingDestName: taken)
                        clashes[taken, default: owner.map { [$0] } ?? []].append(entry.guid)
                    }
                    return
                }
            }
        }

        /// A full batch goes in as one statement; one that hits a name clash (rolled back as a
        /// whole) goes row by row, which decides renames and reports clashes.
        func flush() throws {
            defer { batch.removeAll(keepingCapacity: true) }
            if batch.count == Self.batchRows {
                Self.bind(batch, importID: importID, now: now, into: &values)
                do {
                    let changed = try values.run(insertBatch)
                    summary.added += changed
                    if changed < batch.count {
                        // GUIDs already in the job: rows from earlier imports, or repeats in this
                        // one. One query for the batch, not one per entry: importing a manifest
                        // again (resuming a download-multiple-async) asks this of every batch.
                        Self.bindGUIDs(of: batch, importID: importID, into: &values)
                        let fromThisImport = try values.first(countFromThisImport) { $0.int(0) } ?? 0
                        summary.alreadyInJob += batch.count - fromThisImport
                        summary.duplicates += fromThisImport - changed
                    }
                    return
                } catch let error as SQLiteError where error.isUniqueViolation {}
            }
            for (entry, dest) in batch { try insertOne(entry, wanted: dest) }
        }

        while let entry = try reader.next() {
            summary.entries += 1
            let wanted = DestinationNamer.wanted(guid: entry.guid, fileName: entry.fileName, format: options.filenameFormat)
            if wanted == nil || entry.size == nil { summary.withoutMetadata += 1 }
            batch.append((entry, wanted))
            if batch.count == Self.batchRows { try flush() }
        }
        try flush()
        if clashCount > 0 {
            let list = clashes.sorted { $0.key < $1.key }.map { (name: $0.key, guids: $0.value) }
            throw StoreError.nameClashes(list, total: clashCount)
        }
        return summary
    }

    /// The parameters of `FileQueries.insertFiles` for `batch`.
    static func bind(_ batch: [(entry: ManifestEntry, dest: String?)], importID: Int64, now: Double, into values: inout ParameterBuffer) {
        values.removeAll()
        for (entry, dest) in batch { appendRow(entry, dest: dest, commons: commons(of: entry), to: &values) }
        values.append(importID)
        values.append(now)
    }

    /// The parameters of `FileQueries.countFromImport` for `batch`.
    static func bindGUIDs(of batch: [(entry: ManifestEntry, dest: String?)], importID: Int64, into values: inout ParameterBuffer) {
        values.removeAll()
        for (entry, _) in batch { values.append(entry.guid) }
        values.append(importID)
    }

    /// One row's parameters of `FileQueries.insertFiles`; `commons` is `commons(of: entry)`.
    static func appendRow(_ entry: ManifestEntry, dest: String?, commons: String?, to values: inout ParameterBuffer) {
        values.append(entry.guid)
        values.append(entry.fileName)
        values.append(dest)
        values.append(entry.size)
        values.append(entry.md5)
        values.append(commons)
    }

    /// The commons the manifest says a file is in: its `commons_url`, else the host of a
    /// `drs://host/…` URI; nil leaves it to the workers (`CommonsResolver`).
    static func commons(of entry: ManifestEntry) -> String? {
        entry.commonsURL ?? DRSIdentifier.host(of: entry.guid)
    }

    private func existingImport(of guid: String) throws -> Int64? {
        try connection.statement(FileQueries.importOfGUID).first(.text(guid)) { $0.int64(0) }
    }

    func saveSettings(_ options: ImportOptions, downloadPath: String) throws {
        var settings = JobSettings(
            endpoint: options.endpoint, credentialsPath: options.credentialsPath.map(FilePaths.absolute),
            downloadPath: downloadPath, filenameFormat: options.filenameFormat,
            protocolName: options.protocolName, drsResolver: options.drsResolver)
        if let existing = try store.settings() {
            guard existing.downloadPath == downloadPath else {
                throw StoreError.downloadPathMismatch(existing: existing.downloadPath, requested: downloadPath)
            }
            settings.endpoint = settings.endpoint ?? existing.endpoint
            settings.credentialsPath = settings.credentialsPath ?? existing.credentialsPath
            settings.protocolName = settings.protocolName ?? existing.protocolName
            settings.drsResolver = settings.drsResolver ?? existing.drsResolver
        }
        try store.saveSettings(settings)
    }
}
