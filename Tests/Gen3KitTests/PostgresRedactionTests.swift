import TestSupport
import XCTest

@testable import Gen3Kit

/// What messages and logs show of a PostgreSQL URL or connection string (no server needed).
final class PostgresRedactionTests: XCTestCase {
    func testPasswordsAreHiddenAndTheRestKeptAsWritten() {
        let cases: [(String, String)] = [
            (
                "postgresql://gen3:s3cret@db.example:5432/jobs?sslmode=require",
                "postgresql://gen3:***@db.example:5432/jobs?sslmode=require"
            ),
            ("postgres://u:p%40ss/w@h1:5432,h2/db", "postgres://u:***@h1:5432,h2/db"),
            (
                "postgresql://db.example/jobs?user=gen3&password=s3cret&sslmode=require",
                "postgresql://db.example/jobs?user=gen3&password=***&sslmode=require"
            ),
            ("postgresql://db.example/jobs?pass%77ord=s3cret", "postgresql://db.example/jobs?pass%77ord=***"),
            ("postgresql://gen3@db.example/jobs", "postgresql://gen3@db.example/jobs"),
            ("postgresql://u:pa?ss@h/db", "postgresql://u:***@h/db"),
            ("postgresql://h/db?user=me@x&password=pw", "postgresql://h/db?user=me@x&password=***"),
            ("postgresql://h:5432/db?user=me@x&password=pw", "postgresql://h:***@x&password=***"),
            ("postgresql:///jobs?host=/run/postgresql", "postgresql:///jobs?host=/run/postgresql"),
            ("host=db.example password=s3cret dbname=jobs", "host=db.example password=*** dbname=jobs"),
            ("host=db  password = 'it\\'s a secret'  user=x", "host=db  password = ***  user=x"),
            ("password=pa\\ ss user=x", "password=*** user=x"),
            ("dbname=postgresql://u:pw@h/db connect_timeout=3", "dbname=postgresql://u:***@h/db connect_timeout=3"),
            ("dbname='host=h password=pw' user=x", "dbname='host=h password=***' user=x"),
            ("password='never closed", "password=***"),
            ("jobs", "jobs"),
            ("", ""),
        ]
        for (url, redacted) in cases {
            XCTAssertEqual(PostgresConnection.redacted(url), redacted, url)
        }
    }

    func testThePasswordIsReadAsLibpqReadsIt() {
        XCTAssertEqual(PostgresConnection.password(in: "postgresql://u:p%40ss@h/db"), "p@ss")
        XCTAssertEqual(PostgresConnection.password(in: "host=h password='a b'"), "a b")
        XCTAssertNil(PostgresConnection.password(in: "postgresql://u@h/db"))
    }

    func testATestDatabaseURLNamesItsDatabase() {
        XCTAssertEqual(
            PostgresTestDatabase.url("postgresql://u:p/w@127.0.0.1:5/postgres?sslmode=disable", database: "gen3_test_x"),
            "postgresql://u:p/w@127.0.0.1:5/gen3_test_x?sslmode=disable")
        XCTAssertEqual(PostgresTestDatabase.url("postgresql://127.0.0.1:5", database: "d"), "postgresql://127.0.0.1:5/d")
        XCTAssertEqual(PostgresTestDatabase.url("host=h user=u", database: "d"), "host=h user=u dbname=d")
    }
}
