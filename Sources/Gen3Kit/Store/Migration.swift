/// One numbered schema change, from `migrations/NNNN_name.sql`.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sql: String
}
