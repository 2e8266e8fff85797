/// One numbered schema change, from `migrations/NNNN_name.sql`.
package struct Migration: Sendable {
    package let version: Int
    package let name: String
    package let sql: String
}
