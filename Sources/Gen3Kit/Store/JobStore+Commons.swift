/// What the job records of its commons: each file's (`files.commons`), the resolvers' answers
/// (`resolver_cache`) and the credentials given per commons (`commons_credentials`).
extension JobStore {
    /// A `resolver_cache` row.
    package struct ResolverCacheEntry: Equatable, Sendable {
        package var commons: String
        package var source: String
        package var resolvedAt: Double
    }

    /// Records the commons decided for files, in one transaction.
    package func setCommons(_ decisions: [(fileID: Int64, commons: String)]) throws {
        try database.transaction {
            for (fileID, commons) in decisions { try database.run(sql.commons.setCommons, .integer(fileID), .text(commons)) }
        }
    }

    /// The cached answer for `key`, unless it is older than `maxAge` seconds at `now`: the one rule
    /// for both the worker's resolver and the run's head start, so that the head start asks what
    /// the worker would.
    package func resolverCacheEntry(key: String, maxAge: Double, now: Double) throws -> ResolverCacheEntry? {
        let entry = try database.first(sql.commons.selectResolverCache, .text(key)) { row in
            ResolverCacheEntry(commons: row.string(0) ?? "", source: row.string(1) ?? "", resolvedAt: localTime(row.double(2)))
        }
        return entry.flatMap { $0.resolvedAt >= now - maxAge ? $0 : nil }
    }

    /// The GUIDs and commons of the first `limit` files due, in the order claims take them.
    package func firstDue(limit: Int) throws -> [(guid: String, commons: String?)] {
        try database.rows(sql.commons.firstDue, .integer(Int64(limit))) { ($0.string(0) ?? "", $0.string(1)) }
    }

    package func saveResolverCacheEntry(key: String, commons: String, source: String, now: Double = Clock.now()) throws {
        try database.run(sql.commons.saveResolverCache, .text(key), .text(commons), .text(source), time(now))
    }

    /// The credentials recorded per commons (paths and references, never secrets).
    package func commonsCredentials() throws -> [String: String] {
        var found: [String: String] = [:]
        try database.forEachRow(sql.commons.selectCredentials, []) { row in
            if let commons = row.string(0), let path = row.string(1) { found[commons] = path }
        }
        return found
    }

    package func saveCommonsCredentials(_ paths: [String: String]) throws {
        guard !paths.isEmpty else { return }
        try database.transaction {
            for (commons, path) in paths { try database.run(sql.commons.saveCredentials, .text(commons), .text(path)) }
        }
    }

    /// Files and bytes per commons and state (the `commons` view).
    package func countsByCommons() throws -> [(commons: String, state: String, files: Int, bytes: Int64, done: Int64)] {
        try database.rows(sql.commons.countsByCommons) { row in
            (row.string(0) ?? "", row.string(1) ?? "", row.int(2), row.int64(3), row.int64(4))
        }
    }
}

/// The statements of `JobStore+Commons`, by name.
enum CommonsQueries: CommonsSQL {
    static let setCommons = "UPDATE files SET commons = ?2 WHERE id = ?1 AND commons IS NULL"
    static let selectResolverCache = "SELECT commons, source, resolved_at FROM resolver_cache WHERE key = ?1"
    static let firstDue = """
        SELECT guid, commons FROM files INDEXED BY files_pending WHERE state = 'pending' ORDER BY next_attempt_at, id LIMIT ?1
        """
    static let saveResolverCache = """
        INSERT INTO resolver_cache (key, commons, source, resolved_at) VALUES (?1, ?2, ?3, ?4)
        ON CONFLICT (key) DO UPDATE SET commons = ?2, source = ?3, resolved_at = ?4
        """
    static let selectCredentials = "SELECT commons, credentials_path FROM commons_credentials ORDER BY commons"
    static let saveCredentials = """
        INSERT INTO commons_credentials (commons, credentials_path) VALUES (?1, ?2)
        ON CONFLICT (commons) DO UPDATE SET credentials_path = ?2
        """
    static let countsByCommons = "SELECT commons, state, files, expected_bytes, bytes_done FROM commons ORDER BY commons, state"
}
