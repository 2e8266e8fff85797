import TestSupport
import XCTest

@testable import Gen3Kit

final class ParameterBufferTests: XCTestCase {
    func testValuesGoInAsBoundOneByOneAndNothingStaysBound() throws {
        let directory = TemporaryDirectory()
        let connection = try Connection(path: directory.file("p.sqlite"))
        try connection.execute("CREATE TABLE t (a, b, c, d)")
        let insert = try connection.prepare("INSERT INTO t VALUES (?1, ?2, ?3, ?4), (?5, ?6, ?7, ?8)")
        var buffer = ParameterBuffer(capacity: 8)
        buffer.append("héllo")
        buffer.append(nil as String?)
        buffer.append(Int64(42))
        buffer.append(2.5)
        buffer.append("cut\u{0}after")
        buffer.append("")
        buffer.append(nil as Int64?)
        buffer.append(String(repeating: "x", count: 5000))
        XCTAssertEqual(buffer.count, 8)
        XCTAssertEqual(try buffer.run(insert), 2)
        let rows = try connection.prepare("SELECT quote(a), quote(b), quote(c), quote(d) FROM t ORDER BY rowid").rows { row in
            (0..<4).map { row.string($0) ?? "?" }
        }
        XCTAssertEqual(rows[0], ["'héllo'", "NULL", "42", "2.5"])
        // Text ends at its first NUL, as a String bound as a C string does.
        XCTAssertEqual(Array(rows[1].prefix(3)), ["'cut'", "''", "NULL"])
        XCTAssertEqual(rows[1][3].count, 5002)
        // Run again without parameters: every one was unbound, none points into the buffer.
        _ = try insert.run()
        XCTAssertEqual(try connection.prepare("SELECT count(*) FROM t WHERE rowid > 2 AND a IS NULL AND d IS NULL").first { $0.int(0) }, 2)
        buffer.removeAll()
        XCTAssertEqual(buffer.count, 0)
    }
}
