import Foundation

/// The job's result in the shape of the Gen3 SDK's: `{"succeeded": [guid…], "failed": [{"guid",
/// "error", "attempts"}…], "skipped": [guid…]}`. Streamed from the database, so any size fits.
package enum JobReport {
    package static func write(store: JobStore, to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        defer { try? handle.close() }
        var buffer: [UInt8] = []
        func emit(_ text: String) throws {
            buffer.append(contentsOf: text.utf8)
            if buffer.count >= 1 << 16 {
                try handle.write(contentsOf: buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        try emit("{\"succeeded\": [")
        try list(store, "SELECT guid FROM files WHERE state = 'done' ORDER BY id", emit) { "\"\(escape($0.string(0) ?? ""))\"" }
        try emit("],\n \"failed\": [")
        try list(store, "SELECT guid, coalesce(last_error, ''), attempts FROM files WHERE state = 'failed' ORDER BY id", emit) {
            "{\"guid\": \"\(escape($0.string(0) ?? ""))\", \"error\": \"\(escape($0.string(1) ?? ""))\", \"attempts\": \($0.int(2))}"
        }
        try emit("],\n \"skipped\": [")
        try list(store, "SELECT guid FROM files WHERE state = 'skipped' ORDER BY id", emit) { "\"\(escape($0.string(0) ?? ""))\"" }
        try emit("]}\n")
        try handle.write(contentsOf: buffer)
    }

    private static func list(
        _ store: JobStore, _ sql: String, _ emit: (String) throws -> Void,
        _ format: (Row) -> String
    ) throws {
        var first = true
        try store.statement(sql).forEachRow { row in
            try emit((first ? "" : ", ") + format(row))
            first = false
        }
    }

    /// JSON string escaping.
    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
