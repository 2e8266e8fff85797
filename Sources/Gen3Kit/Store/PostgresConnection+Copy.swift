import CLibPQ

extension PostgresConnection {
    /// Runs `sql`, a `COPY table (columns…) FROM STDIN` (text format, the default), with the rows
    /// `write` appends, and returns how many rows the server stored. The rows go in as one
    /// statement: when one of them is refused (a unique violation, a value of the wrong type), or
    /// `write` throws, none is stored and the error is thrown.
    @discardableResult
    package func copyIn(_ sql: String, _ write: (inout PostgresCopyWriter) throws -> Void) throws -> Int {
        let start = PQexec(handle, sql)
        defer { PQclear(start) }
        try check(start, sql: sql, [PGRES_COPY_IN])
        var writer = PostgresCopyWriter(connection: handle, sql: sql)
        do {
            try write(&writer)
            try writer.flush()
        } catch {
            // An error message as the end makes the server fail the COPY, which stores nothing.
            PQputCopyEnd(handle, "gen3 abandoned the COPY")
            _ = finishCommand(sql)
            throw error
        }
        guard PQputCopyEnd(handle, nil) == 1 else {
            let error = PostgresError(connection: handle, result: nil, sql: sql)
            _ = finishCommand(sql)
            throw error
        }
        return try finishCommand(sql).get()
    }

    /// Reads the results of the command in progress up to the end that libpq marks with nil: its
    /// row count, or its first error.
    private func finishCommand(_ sql: String) -> Result<Int, PostgresError> {
        var outcome: Result<Int, PostgresError> = .success(0)
        while let result = PQgetResult(handle) {
            defer { PQclear(result) }
            if PQresultStatus(result) == PGRES_COMMAND_OK {
                if case .success = outcome { outcome = .success(Int(String(cString: PQcmdTuples(result))) ?? 0) }
            } else if case .success = outcome {
                outcome = .failure(PostgresError(connection: handle, result: result, sql: sql))
            }
        }
        return outcome
    }
}
