import Digest
import Foundation
import LatencyProxy
import NIOCore
import TestSupport
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// The proxy carries every byte both ways, in order, ends each direction as its sender did, and
/// reads its settings as written. How long it delays is the benchmark's to measure, not a test's.
final class LatencyProxyTests: XCTestCase {
    func testBytesBothWaysArriveIntactThroughASmallWindow() throws {
        let echo = try EchoServer()
        defer { echo.stop() }
        // A window far smaller than the payload: the bytes go through in many round trips.
        let settings = LatencySettings(roundTrip: .milliseconds(2), window: 64 << 10)
        let proxy = try LatencyProxy.start(
            listen: ProxyAddress(host: "127.0.0.1", port: 0), target: ProxyAddress(host: "127.0.0.1", port: echo.port),
            settings: settings)
        defer { proxy.stop() }

        var generator = SystemRandomNumberGenerator()
        let payload = (0..<(1 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let connection = try Socket.connect(port: proxy.address.port)
        defer { close(connection) }
        // The echo sends back as it reads, so one thread sends while this one receives; the end of
        // the payload is a FIN, which the proxy must pass on for the echo to close its side.
        Thread.detachNewThread {
            _ = Socket.writeAll(connection, payload)
            shutdown(connection, Int32(SHUT_WR))
        }
        let received = Socket.readToEnd(connection)
        XCTAssertEqual(received.count, payload.count)
        XCTAssertEqual(MD5.hex(received), MD5.hex(payload))
    }

    func testAConnectionIsDroppedWhenTheTargetRefusesIt() throws {
        // A port nothing listens on: bind one, then close it.
        let unused = try EchoServer()
        let port = unused.port
        unused.stop()
        let proxy = try LatencyProxy.start(
            listen: ProxyAddress(host: "127.0.0.1", port: 0), target: ProxyAddress(host: "127.0.0.1", port: port),
            settings: LatencySettings(roundTrip: .milliseconds(1), window: 1 << 20))
        defer { proxy.stop() }
        let connection = try Socket.connect(port: proxy.address.port)
        defer { close(connection) }
        XCTAssertEqual(Socket.readToEnd(connection), [])
    }

    func testSettingsParse() {
        XCTAssertEqual(LatencySettings.byteCount("4194304"), 4 << 20)
        XCTAssertEqual(LatencySettings.byteCount("4MiB"), 4 << 20)
        XCTAssertEqual(LatencySettings.byteCount("4M"), 4 << 20)
        XCTAssertEqual(LatencySettings.byteCount("512KiB"), 512 << 10)
        XCTAssertEqual(LatencySettings.byteCount("1GiB"), 1 << 30)
        XCTAssertNil(LatencySettings.byteCount("4 MB"))
        XCTAssertNil(LatencySettings.byteCount("-1"))
        XCTAssertNil(LatencySettings.byteCount("99999999999999GiB"))

        let settings = LatencySettings(roundTrip: .milliseconds(40), window: 4 << 20)
        XCTAssertEqual(settings.connectionSetup, .milliseconds(40), "a connection's setup defaults to one round trip")
        XCTAssertThrowsError(try LatencySettings(roundTrip: .milliseconds(40), window: 10).validate())
        XCTAssertThrowsError(try LatencySettings(roundTrip: .milliseconds(-1), window: 1 << 20).validate())

        XCTAssertEqual(ProxyAddress("127.0.0.2:18432"), ProxyAddress(host: "127.0.0.2", port: 18432))
        XCTAssertEqual(ProxyAddress("[::1]:80"), ProxyAddress(host: "::1", port: 80))
        XCTAssertEqual(ProxyAddress(host: "::1", port: 80).description, "[::1]:80")
        XCTAssertNil(ProxyAddress("localhost"))
        XCTAssertNil(ProxyAddress("localhost:70000"))
        XCTAssertNil(ProxyAddress(":80"))
    }

    func testTheProgramRefusesABadWindowAndServesWithAGoodOne() throws {
        let binary = Gen3Process.productsDirectory + "/gen3-latency-proxy"
        let refused = try Executables.run(binary, ["--target", "127.0.0.1:1", "--window", "4 MB"])
        XCTAssertEqual(refused.status, 64, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("--window"), refused.stderr)

        let echo = try EchoServer()
        defer { echo.stop() }
        let directory = TemporaryDirectory("latency-proxy")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "--target", "127.0.0.1:\(echo.port)", "--rtt-ms", "1", "--window", "256KiB", "--ready-file", directory.file("address"),
        ]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let watchdog = ProcessWatchdog(process)
        // The first line arrives once it listens: a signal from the program, not a sleep.
        var printed = Data()
        while !printed.contains(UInt8(ascii: "\n")) {
            let more = output.fileHandleForReading.availableData
            if more.isEmpty { break }
            printed += more
        }
        let address = try String(contentsOfFile: directory.file("address"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(String(decoding: printed, as: UTF8.self).split(separator: "\n").first, "gen3-latency-proxy listening on \(address)")
        let port = try XCTUnwrap(ProxyAddress(address)).port
        let connection = try Socket.connect(port: port)
        XCTAssertTrue(Socket.writeAll(connection, Array("hello".utf8)))
        shutdown(connection, Int32(SHUT_WR))
        XCTAssertEqual(String(decoding: Socket.readToEnd(connection), as: UTF8.self), "hello")
        close(connection)

        process.terminate()
        try watchdog.wait()
        XCTAssertEqual(process.terminationStatus, 0)
    }
}
