import CCurl
import Foundation

/// One GET made and waited for, outside any worker's multi loop: for the few questions a job asks
/// once and caches (a prefix's commons, the Workspace Token Service's providers). Follows no
/// redirect and sends no credentials.
enum BlockingGet {
    struct Answer {
        /// The HTTP status; 0 when no answer came.
        var status = 0
        var body: [UInt8] = []
        /// What went wrong, for a message: curl's error, or an answer over `MemoryReceiver`'s cap.
        var problem: String?

        /// `problem`, else `HTTP <status>`: what a message says of a failed question.
        var summary: String { problem ?? "HTTP \(status)" }
    }

    /// Questions answered within this many seconds, or not at all: each holds up a worker.
    static let timeoutSeconds = 30

    /// `connections`: a share whose open connections the request may use, and leaves its own in.
    static func fetch(_ url: String, http: HTTPOptions, connections: CurlShare? = nil) -> Answer {
        let receiver = MemoryReceiver()
        do {
            let easy = try CurlEasy()
            easy.receiver = receiver
            if let connections { try easy.use(connections) }
            try easy.apply(http, followRedirects: false)
            try easy.set(CCURLOPT_URL, string: url)
            try easy.setHeaders(["Accept: application/json"])
            try easy.set(CCURLOPT_TIMEOUT_MS, timeoutSeconds * 1000)
            try easy.perform()
        } catch {
            return Answer(problem: error.localizedDescription)
        }
        if receiver.exceededLimit { return Answer(status: receiver.head.status, problem: "an answer over 1 MiB") }
        return Answer(status: receiver.head.status, body: receiver.body)
    }
}
