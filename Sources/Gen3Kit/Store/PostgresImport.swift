/// A manifest's import into a job in PostgreSQL: every entry streamed with `COPY` into a temporary
/// table, then decided by a few statements over the whole set — which GUIDs are new, repeated or
/// already in the job, which names clash — and the new rows added with one `INSERT … SELECT`. One
/// transaction: all or nothing, and importing the same manifest again adds nothing. The counts are
/// those of the SQLite import, which decides the same things row by row.
extension ManifestImporter {
    static let createManifestRows = """
        CREATE TEMPORARY TABLE manifest_rows (
            seq BIGINT NOT NULL, guid TEXT NOT NULL, file_name TEXT, dest_name TEXT,
            expected_size BIGINT, expected_md5 TEXT, commons TEXT
        ) ON COMMIT DROP
        """
    static let copyManifestRows =
        "COPY manifest_rows (seq, guid, file_name, dest_name, expected_size, expected_md5, commons) FROM STDIN"
    /// The first entry of each GUID the job does not have yet.
    static let selectNewRows = """
        CREATE TEMPORARY TABLE new_rows ON COMMIT DROP AS
        SELECT DISTINCT ON (guid) * FROM manifest_rows m
        WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.guid = m.guid)
        ORDER BY guid, seq
        """
    /// Entries whose GUID the job had before this import, and the new GUIDs' entries. Joins, not
    /// a subquery per entry: a temporary table has no index, and a million entries would each
    /// scan it.
    static let countKnownAndNew = """
        SELECT count(f.guid), count(n.guid)
        FROM manifest_rows m LEFT JOIN files f ON f.guid = m.guid LEFT JOIN new_rows n ON n.guid = m.guid
        """
    /// New rows whose name a file of the job has, or an earlier new row; with who has it.
    static let selectClashes = """
        WITH named AS (
            SELECT seq, guid, dest_name,
                   row_number() OVER (PARTITION BY dest_name ORDER BY seq) AS nth,
                   first_value(guid) OVER (PARTITION BY dest_name ORDER BY seq) AS first_guid
            FROM new_rows WHERE dest_name IS NOT NULL)
        SELECT named.seq, named.guid, named.dest_name, coalesce(f.guid, named.first_guid)
        FROM named LEFT JOIN files f ON f.dest_name = named.dest_name
        WHERE f.guid IS NOT NULL OR named.nth > 1
        ORDER BY named.seq
        """
    static let nameIsTaken = """
        SELECT EXISTS (SELECT 1 FROM files WHERE dest_name = $1) OR EXISTS (SELECT 1 FROM new_rows WHERE dest_name = $1)
        """
    static let renameNewRow = "UPDATE new_rows SET dest_name = $2 WHERE seq = $1"
    /// The secondary indexes of `files` (name, CREATE statement).
    static let fileIndexes = """
        SELECT indexname, indexdef FROM pg_catalog.pg_indexes
        WHERE schemaname = current_schema() AND tablename = 'files' AND indexname <> 'files_pkey'
        ORDER BY indexname
        """
    static let insertNewRows = """
        INSERT INTO files (guid, file_name, dest_name, expected_size, expected_md5, commons, import_id, created_at, updated_at)
        SELECT guid, file_name, dest_name, expected_size, expected_md5, commons, $1, $2, $2 FROM new_rows ORDER BY seq
        """

    /// The trigger that counts each statement's inserted rows in `file_counts`, which an empty
    /// job's import turns off while it adds its rows, counting them itself (`AddedFileCounts`): the
    /// trigger's sums would keep a copy of every row. The import has `files` to itself by then,
    /// having dropped its indexes, and turns the trigger on again before it commits.
    static let stopCountingInserts = "ALTER TABLE files DISABLE TRIGGER file_counts_insert"
    static let countInserts = "ALTER TABLE files ENABLE TRIGGER file_counts_insert"

    /// Drops `indexes` and stops counting inserts, as one text: a round trip to the server, not
    /// one per statement.
    static func dropIndexes(_ indexes: [(name: String, sql: String)]) -> String {
        (indexes.map { "DROP INDEX \"\($0.name)\"" } + [stopCountingInserts]).joined(separator: ";\n")
    }

    /// Counts inserts again and builds `indexes` again, as one text.
    static func rebuildIndexes(_ indexes: [(name: String, sql: String)]) -> String {
        ([countInserts, "SET LOCAL maintenance_work_mem = '256MB'"] + indexes.map(\.sql)).joined(separator: ";\n")
    }

    /// Adds $2 pending files of $3 expected bytes in all, $4 of them of unknown size, to the counts
    /// of commons $1 ('' for the job's endpoint).
    static let addPendingCounts = """
        INSERT INTO file_counts (commons, state, files, expected_bytes, bytes_done, unknown_sizes) VALUES ($1, 'pending', $2, $3, 0, $4)
        """
    /// The counts of `insertNewRows`'s rows, all of them pending.
    static let countNewRows = """
        INSERT INTO file_counts (commons, state, files, expected_bytes, bytes_done, unknown_sizes)
        SELECT coalesce(commons, ''), 'pending', count(*), coalesce(sum(expected_size), 0), 0, count(*) - count(expected_size)
        FROM new_rows
        GROUP BY 1
        """

    static let copyFiles = """
        COPY files (guid, file_name, dest_name, expected_size, expected_md5, commons, import_id, created_at, updated_at)
        FROM STDIN
        """

    /// The PostgreSQL connection under the store.
    var postgres: PostgresConnection {
        guard let connection = (store.database as? ReconnectingDatabase)?.connection else {
            preconditionFailure("a SQLite job imports through importEntries")
        }
        return connection
    }

    /// A job's first import, straight into `files`: its indexes dropped, every entry copied in, the
    /// indexes built again. Nil when building a unique one fails (a repeated GUID, two files of one
    /// name): everything is rolled back, and the caller imports through the temporary table, which
    /// settles those. Half the work of the general path, which copies every row twice.
    func importIntoEmptyPostgresJob(from reader: any ManifestReader, source path: String, options: ImportOptions) throws
        -> ImportSummary?
    {
        let connection = postgres
        do {
            return try connection.transaction {
                guard try !store.hasFiles() else { return nil }
                try saveSettings(options, downloadPath: FilePaths.absolute(options.downloadPath))
                let now = store.time(Clock.now())
                let importID = try connection.first(store.sql.files.insertImport, .text(path), now) { $0.int64(0) } ?? 0
                let indexes = try connection.rows(Self.fileIndexes) { (name: $0.string(0) ?? "", sql: $0.string(1) ?? "") }
                try connection.execute(Self.dropIndexes(indexes))
                var summary = ImportSummary()
                var added = AddedFileCounts()
                summary.added = try connection.copyIn(Self.copyFiles) { writer in
                    while let entry = try reader.next() {
                        let dest = DestinationNamer.wanted(guid: entry.guid, fileName: entry.fileName, format: options.filenameFormat)
                        if dest == nil || entry.size == nil { summary.withoutMetadata += 1 }
                        let commons = Self.commons(of: entry).map(Self.untilNUL)
                        try writer.append(
                            .text(Self.untilNUL(entry.guid)), SQLValue(entry.fileName.map(Self.untilNUL)), SQLValue(dest),
                            SQLValue(entry.size), SQLValue(entry.md5.map(Self.untilNUL)), SQLValue(commons),
                            .integer(importID), now, now)
                        added.add(commons: commons, size: entry.size)
                        summary.entries += 1
                    }
                }
                try added.save(connection, Self.addPendingCounts)
                try connection.execute(Self.rebuildIndexes(indexes))
                try connection.run(
                    store.sql.files.finishImport, .integer(importID), .integer(Int64(summary.entries)), .integer(Int64(summary.added)))
                return summary
            }
        } catch let error as PostgresError where error.isUniqueViolation {
            return nil
        }
    }

    func importIntoPostgres(from reader: any ManifestReader, source path: String, options: ImportOptions) throws -> ImportSummary {
        let connection = postgres
        return try connection.transaction {
            let hadFiles = try store.hasFiles()
            try saveSettings(options, downloadPath: FilePaths.absolute(options.downloadPath))
            let now = store.time(Clock.now())
            let importID = try connection.first(store.sql.files.insertImport, .text(path), now) { $0.int64(0) } ?? 0
            var summary = ImportSummary()
            try connection.execute(Self.createManifestRows)
            _ = try connection.copyIn(Self.copyManifestRows) { writer in
                while let entry = try reader.next() {
                    let dest = DestinationNamer.wanted(guid: entry.guid, fileName: entry.fileName, format: options.filenameFormat)
                    if dest == nil || entry.size == nil { summary.withoutMetadata += 1 }
                    try writer.append(
                        .integer(Int64(summary.entries)), .text(Self.untilNUL(entry.guid)), SQLValue(entry.fileName.map(Self.untilNUL)),
                        SQLValue(dest), SQLValue(entry.size), SQLValue(entry.md5.map(Self.untilNUL)),
                        SQLValue(Self.commons(of: entry).map(Self.untilNUL)))
                    summary.entries += 1
                }
            }
            // The planner knows nothing of a new temporary table's rows until it is analyzed.
            try connection.execute("ANALYZE manifest_rows")
            try connection.execute(Self.selectNewRows)
            try connection.execute("ANALYZE new_rows")
            let (known, ofNewGUIDs) =
                try connection.first(Self.countKnownAndNew) { ($0.int(0), $0.int(1)) } ?? (0, 0)
            try settleClashes(connection, options: options, summary: &summary)
            summary.added = try insertNewRows(connection, importID: importID, now: now, intoEmptyJob: !hadFiles)
            summary.alreadyInJob = known
            summary.duplicates = ofNewGUIDs - summary.added
            try connection.run(
                store.sql.files.finishImport, .integer(importID), .integer(Int64(summary.entries)), .integer(Int64(summary.added)))
            return summary
        }
    }

    /// Adds the new rows to `files`. Into an empty job (how nearly every job starts) the indexes
    /// are dropped first and built again after, in the same transaction: building an index sorts
    /// its keys once, where keeping it up to date puts each random GUID into a random page. The
    /// new rows are already unique by GUID and by name, so the unique ones build. The counts of
    /// the rows are added by one statement over them, as `importIntoEmptyPostgresJob` does.
    private func insertNewRows(_ connection: PostgresConnection, importID: Int64, now: SQLValue, intoEmptyJob: Bool) throws -> Int {
        guard intoEmptyJob else { return try connection.run(Self.insertNewRows, .integer(importID), now) }
        let indexes = try connection.rows(Self.fileIndexes) { (name: $0.string(0) ?? "", sql: $0.string(1) ?? "") }
        try connection.execute(Self.dropIndexes(indexes))
        let added = try connection.run(Self.insertNewRows, .integer(importID), now)
        try connection.run(Self.countNewRows)
        try connection.execute(Self.rebuildIndexes(indexes))
        return added
    }

    /// `text` up to its first NUL, which PostgreSQL cannot store: what SQLite's import keeps of it
    /// too (it binds text as C strings), so a manifest means the same in both backends.
    static func untilNUL(_ text: String) -> String {
        guard let nul = text.utf8.firstIndex(of: 0) else { return text }
        return String(decoding: text.utf8[..<nul], as: UTF8.self)
    }

    /// Renames the new rows whose names are taken (`--rename`), in manifest order, or throws the
    /// clashes, which rolls the import back.
    private func settleClashes(_ connection: PostgresConnection, options: ImportOptions, summary: inout ImportSummary) throws {
        let clashing = try connection.rows(Self.selectClashes) { row in
            (seq: row.int64(0), guid: row.string(1) ?? "", name: row.string(2) ?? "", owner: row.string(3))
        }
        guard !clashing.isEmpty else { return }
        guard options.rename else {
            var clashes: [String: [String]] = [:]
            for clash in clashing where clashes.count < 20 || clashes[clash.name] != nil {
                clashes[clash.name, default: clash.owner.map { [$0] } ?? []].append(clash.guid)
            }
            let list = clashes.sorted { $0.key < $1.key }.map { (name: $0.key, guids: $0.value) }
            throw StoreError.nameClashes(list, total: clashing.count)
        }
        var nextNumber: [String: Int] = [:]
        for clash in clashing {
            var n = nextNumber[clash.name] ?? 0
            var candidate: String
            repeat {
                n += 1
                candidate = DestinationNamer.alternative(to: clash.name, n)
            } while try connection.first(Self.nameIsTaken, .text(candidate)) { $0.int64(0) != 0 } ?? false
            if nextNumber[clash.name] == nil { summary.renamed += 1 }
            nextNumber[clash.name] = n
            try connection.run(Self.renameNewRow, .integer(clash.seq), .text(candidate))
        }
    }
}
