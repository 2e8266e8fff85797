import Foundation

/// The job's result in the shape of the Gen3 SDK's: `{"succeeded": [guid…], "failed": [{"guid",
/// "error", "attempts"}…], "skipped": [guid…]}`. Streamed from the database one element at a time
/// (each encoded by `JSONEncoder`), so any size fits.
package enum JobReport {
    /// The report's shape.
    package enum Format: String, CaseIterable, Sendable {
        /// Failed files with their last reason and attempts: `{"guid", "error", "attempts"}`.
        case gen3
        /// The Gen3 SDK's, exactly: `failed` is a list of GUIDs.
        case sdk
    }

    /// One failed file as the report shows it.
    private struct Failure: Encodable {
        let guid: String
        let error: String
        let attempts: Int
    }

    package static func write(store: JobStore, to path: String, format: Format = .gen3) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        defer { try? handle.close() }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var buffer: [UInt8] = []
        var first = true
        func emit(_ text: String) throws {
            buffer.append(contentsOf: text.utf8)
            if buffer.count >= 1 << 16 {
                try handle.write(contentsOf: buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        func element(_ value: some Encodable) throws {
            try emit(first ? "" : ", ")
            buffer.append(contentsOf: try encoder.encode(value))
            first = false
        }
        try emit("{\"succeeded\": [")
        try store.forEachGUID(in: .done) { try element($0) }
        try emit("],\n \"failed\": [")
        first = true
        try store.forEachFailure { failure in
            switch format {
            case .gen3: try element(Failure(guid: failure.guid, error: failure.error, attempts: failure.attempts))
            case .sdk: try element(failure.guid)
            }
        }
        try emit("],\n \"skipped\": [")
        first = true
        try store.forEachGUID(in: .skipped) { try element($0) }
        try emit("]}\n")
        try handle.write(contentsOf: buffer)
    }
}
