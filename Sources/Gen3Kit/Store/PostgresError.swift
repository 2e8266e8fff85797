import CLibPQ
import Foundation

/// A failed PostgreSQL call: the SQLSTATE, the server's (or libpq's) primary message and the SQL
/// (never the bound values, which may hold user data), matchable so that the store can retry a
/// serialization failure or reconnect after a lost connection.
public struct PostgresError: Error, LocalizedError, CustomStringConvertible, Equatable {
    /// The five-character SQLSTATE (`23505`, `40001`, …); nil when the error came from libpq itself
    /// (no server, a dropped connection, a failed send).
    public let sqlState: String?
    /// The primary message, one line, without libpq's `ERROR:` prefix.
    public let message: String
    /// The server's detail line, which may quote row values (`Key (guid)=(…) already exists`); kept
    /// out of `description` for that reason.
    public let detail: String?
    /// The statement that failed (never its values).
    public let sql: String?
    /// The connection was unusable after the failure (`PQstatus` was `CONNECTION_BAD`).
    public let connectionWasBad: Bool

    public init(sqlState: String?, message: String, detail: String? = nil, sql: String? = nil, connectionWasBad: Bool = false) {
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.sql = sql
        self.connectionWasBad = connectionWasBad
    }

    /// The error a result holds, or, with no result (libpq returns none when it is out of memory
    /// or cannot send), the connection's message.
    init(connection: OpaquePointer, result: OpaquePointer?, sql: String?) {
        let bad = PQstatus(connection) == CONNECTION_BAD
        func field(_ code: Character) -> String? {
            guard let result, let text = PQresultErrorField(result, Int32(code.asciiValue!)) else { return nil }
            return String(cString: text)
        }
        // PG_DIAG_* are character-literal macros, which Swift does not import.
        let primary = field("M") ?? result.flatMap { PQresultErrorMessage($0) }.map { String(cString: $0) }
        let text = (primary?.isEmpty == false ? primary : nil) ?? String(cString: PQerrorMessage(connection))
        self.init(
            sqlState: field("C"), message: Self.oneLine(text), detail: field("D"), sql: sql, connectionWasBad: bad)
    }

    /// libpq's messages end in a newline and may run over several lines (`server closed the
    /// connection unexpectedly\n\tThis probably means…`).
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .joined(separator: " ")
    }

    /// Another row already has this key (`unique_violation`).
    public var isUniqueViolation: Bool { sqlState == "23505" }
    /// A serializable or repeatable-read transaction lost to a concurrent one: run it again.
    public var isSerializationFailure: Bool { sqlState == "40001" }
    /// The server broke a deadlock by failing this transaction: run it again.
    public var isDeadlock: Bool { sqlState == "40P01" }
    /// The connection is gone (the server restarted, or an administrator ended this session):
    /// `reconnect()` and run the transaction again.
    public var isConnectionLost: Bool {
        if connectionWasBad { return true }
        guard let sqlState else { return false }
        // 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now.
        return sqlState.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(sqlState)
    }

    /// The SQLSTATE, the message and the statement.
    public var description: String {
        var text = "PostgreSQL error"
        if let sqlState { text += " \(sqlState)" }
        text += ": \(message)"
        if let sql { text += " (in: \(sql.prefix(200)))" }
        return text
    }

    public var errorDescription: String? { description }
}
