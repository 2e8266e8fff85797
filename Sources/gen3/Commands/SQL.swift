import ArgumentParser
import Foundation
import Gen3Kit

/// `gen3 sql`: any query against the job database, printed as tab-separated rows.
struct SQL: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sql",
        abstract: "Run SQL against the job database and print the rows (tab-separated, with a header).",
        discussion: """
            Tables: files, attempts, imports, job_settings, file_ranges (files fetched in parts). Views: progress, failures, retrying.
              gen3 sql "SELECT * FROM progress"
              gen3 sql "SELECT guid, attempts, last_error FROM files WHERE state = 'failed'"
            """)

    @ParentCommand var root: Gen3Command
    @OptionGroup(title: "Global options") var globals: GlobalOptions

    @Argument(help: "One SQL statement (read-only unless --write).")
    var query: String

    @Flag(help: "Leave out the header line.")
    var noHeader = false

    @Flag(help: "Allow a statement that changes the job (UPDATE, DELETE, …). Without it gen3 sql only reads.")
    var write = false

    func run() throws {
        let globals = globals.merged(with: root.globals)
        let store = try JobStore(path: globals.databasePath, create: false)
        var printedHeader = noHeader
        try store.userQuery(query, allowWrites: write) { row in
            if !printedHeader {
                print((0..<row.columnCount).map(row.name).joined(separator: "\t"))
                printedHeader = true
            }
            print((0..<row.columnCount).map { SQL.cell(row.value($0)) }.joined(separator: "\t"))
        }
    }

    static func cell(_ value: SQLValue) -> String {
        switch value {
        case .null: return ""
        case .integer(let number): return String(number)
        case .real(let number): return String(number)
        case .text(let text): return text.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " ")
        }
    }
}
