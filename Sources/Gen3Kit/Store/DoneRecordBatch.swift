/// Finished files committed by one PostgreSQL statement instead of two per file: a statement is a
/// round trip to a server that may be another machine, and each fires the `file_counts` trigger.
/// The values go as arrays (PostgreSQL's text form), one element per file, which the statement
/// (`PostgresFileQueries.completeDoneBatch`) unnests.
struct DoneRecordBatch {
    /// The statement's parameters: ids, md5s, bytes on disk, HTTP statuses, start and end times
    /// (on the server's clock), bytes received, then the worker.
    let values: [SQLValue]

    /// Nil unless every record is a `done` and no file comes twice: a batch with anything else
    /// goes row by row, in the order its records were given.
    init?(_ records: [AttemptRecord], owner: LeaseOwner, clockOffset: Double) {
        var ids: [String] = []
        var md5s: [String] = []
        var seen = Set<Int64>()
        for record in records {
            guard case .done(let md5) = record.outcome, seen.insert(record.fileID).inserted else { return nil }
            ids.append(String(record.fileID))
            md5s.append(Self.quoted(md5))
        }
        func times(_ time: (AttemptRecord) -> Double) -> SQLValue {
            PostgresParameters.array(records.map { PostgresParameters.text(time($0) + clockOffset) })
        }
        values = [
            PostgresParameters.array(ids), PostgresParameters.array(md5s), PostgresParameters.array(records.map { String($0.bytesOnDisk) }),
            PostgresParameters.array(records.map { $0.httpStatus.map(String.init) ?? "NULL" }), times(\.startedAt), times(\.finishedAt),
            PostgresParameters.array(records.map { String($0.bytesReceived) }), .text(owner.description),
        ]
    }

    /// An array element in double quotes, with its quotes and backslashes escaped.
    static func quoted(_ text: String) -> String {
        var quoted = "\""
        for character in text {
            if character == "\"" || character == "\\" { quoted.append("\\") }
            quoted.append(character)
        }
        return quoted + "\""
    }
}
