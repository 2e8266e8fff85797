/// Turns a request into a reply without touching the channel; ``HTTPConnectionHandler`` does the I/O.
protocol HTTPResponder: Sendable {
    func reply(to request: HTTPRequest) -> Reply
}
