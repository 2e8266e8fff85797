/// The statements of one backend, by name: each backend writes its own SQL for the same operations
/// (`FileQueries`, `CommonsQueries` and `RangeQueries` for SQLite; the `Postgres…` ones for
/// PostgreSQL).
package struct StoreDialect: Sendable {
    let files: any FileSQL.Type
    let commons: any CommonsSQL.Type
    let ranges: any RangeSQL.Type

    static let sqlite = StoreDialect(files: FileQueries.self, commons: CommonsQueries.self, ranges: RangeQueries.self)
    static let postgres = StoreDialect(
        files: PostgresFileQueries.self, commons: PostgresCommonsQueries.self, ranges: PostgresRangeQueries.self)
}

/// The statements over `files`, `attempts`, `imports` and `job_settings` that both backends run.
protocol FileSQL {
    static var selectSettings: String { get }
    static var saveSettings: String { get }
    static var anyFile: String { get }
    static var importOfGUID: String { get }
    static var guidOfDestName: String { get }
    /// Returns the new import's id.
    static var insertImport: String { get }
    static var finishImport: String { get }
    static var insertFile: String { get }
    static var claimBatch: String { get }
    static var rescueExpired: String { get }
    static var extendLeases: String { get }
    static var releaseOwner: String { get }
    static var ownsClaims: String { get }
    /// One statement for a batch of `done` records (`DoneRecordBatch`), where the backend has one.
    static var completeDoneBatch: String? { get }
    static var updateBytes: String { get }
    /// One statement for the bytes of many in-flight files (ids, then bytes, as arrays), where the
    /// backend has one.
    static var updateBytesBatch: String? { get }
    static var countDue: String { get }
    static var earliestPending: String { get }
    static var countUnfinished: String { get }
    static var resolveMetadata: String { get }
    static var leaseOwners: String { get }
    static var unfinishedDestNames: String { get }
    static var setDestName: String { get }
    static var completeDone: String { get }
    static var completeRetry: String { get }
    static var completeFailed: String { get }
    static var completeReleased: String { get }
    static var completeDeferred: String { get }
    static var insertAttempt: String { get }
    static var retryFailed: String { get }
    static var countsByState: String { get }
    static var failedFiles: String { get }
    static var guidsInState: String { get }
    static var bytesReceivedSince: String { get }
    static var failureReasons: String { get }
}

/// The statements of `JobStore+Commons`.
protocol CommonsSQL {
    static var setCommons: String { get }
    static var selectResolverCache: String { get }
    /// The GUIDs and commons of the first ?1 files due, in the order claims take them.
    static var firstDue: String { get }
    static var saveResolverCache: String { get }
    static var selectCredentials: String { get }
    static var saveCredentials: String { get }
    static var countsByCommons: String { get }
}

/// The statements of `JobStore+Ranges`.
protocol RangeSQL {
    static var selectRanges: String { get }
    static var deleteRanges: String { get }
    static var insertRange: String { get }
    static var updateDone: String { get }
}
