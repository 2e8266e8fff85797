import Foundation

/// An HTTPS server on loopback with a self-signed certificate made at start, serving one body for
/// every GET: a storage host whose TLS identity no CA vouches for. The test commons has no TLS
/// (no TLS package is available to it), so this is a short python3 script using its `ssl` module,
/// run as a real process, with a certificate `openssl req` makes into a temporary directory.
/// Missing python3 or openssl is an error that says so (scripts/bootstrap.sh installs both).
public final class TLSObjectServer {
    /// `https://127.0.0.1:<port>`.
    public let url: String
    private let directory = TemporaryDirectory("gen3-tls")
    private let process = Process()
    /// Held open so the script exits when this test process goes away, however it ends.
    private let lifeline = Pipe()

    public init(serving body: [UInt8]) throws {
        let python = try Executables.path(of: "python3")
        let openssl = try Executables.path(of: "openssl")
        let certificate = directory.file("cert.pem")
        let key = directory.file("key.pem")
        let made = try Executables.run(
            openssl,
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", certificate,
            ])
        guard made.status == 0 else { throw TLSObjectServerError.certificate(made.stderr) }
        try TestFiles.write(body, to: directory.file("body"))
        try Data(Self.script.utf8).write(to: URL(fileURLWithPath: directory.file("server.py")))

        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [directory.file("server.py"), certificate, key, directory.file("body"), directory.file("requests")]
        process.standardInput = lifeline
        process.standardOutput = output
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        // The script prints its port once it listens: reading that line is the signal to go on. A
        // script that never does is killed by a watchdog, which ends the read.
        let startup = ProcessWatchdog(process, timeout: 60)
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) {
            line += byte
        }
        startup.disarm()
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            process.terminate()
            throw TLSObjectServerError.didNotStart(String(decoding: line, as: UTF8.self))
        }
        url = "https://127.0.0.1:\(port)"
    }

    deinit {
        process.terminate()
        try? process.waitForExit(timeout: 60)
    }

    /// The paths of the GET requests answered so far (each logged before its answer is sent).
    public var requests: [String] {
        let log = (try? String(contentsOfFile: directory.file("requests"), encoding: .utf8)) ?? ""
        return log.split(separator: "\n").map(String.init)
    }

    private static let script = """
        import http.server, os, ssl, sys, threading
        certificate, key, body_path, log_path = sys.argv[1:5]
        body = open(body_path, "rb").read()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certificate, key)

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def do_GET(self):
                with open(log_path, "a") as log:
                    log.write(self.path + "\\n")
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True
            def get_request(self):
                connection, address = self.socket.accept()
                connection.settimeout(30)
                # A client that refuses the certificate ends the handshake: an OSError socketserver ignores.
                return context.wrap_socket(connection, server_side=True), address

        server = Server(("127.0.0.1", 0), Handler)
        def exit_with_parent():
            sys.stdin.buffer.read()
            os._exit(0)
        threading.Thread(target=exit_with_parent, daemon=True).start()
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """
}

/// XCTest prints a thrown error with `String(describing:)`, so the description is the message.
public enum TLSObjectServerError: LocalizedError, CustomStringConvertible {
    case certificate(String)
    case didNotStart(String)

    public var description: String {
        switch self {
        case .certificate(let detail): return "openssl req could not make a self-signed certificate: \(detail)"
        case .didNotStart(let output): return "the python3 TLS server did not start (it printed \(output.debugDescription))"
        }
    }

    public var errorDescription: String? { description }
}
