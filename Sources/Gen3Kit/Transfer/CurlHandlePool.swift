/// Finished easy handles kept for the next request of the same kind, with the options every such
/// request shares already set. Creating and configuring a handle cost more than a small file's
/// whole request; a kept handle only gets its URL, headers and range anew.
///
/// One pool per kind of request: a handle that carried the bearer token to the commons never goes
/// to a storage host, whatever its headers are set to next.
final class CurlHandlePool {
    private var idle: [CurlEasy] = []
    private let limit: Int
    private let configure: (CurlEasy) throws -> Void

    /// `configure` sets the shared options on each new handle.
    init(limit: Int, configure: @escaping (CurlEasy) throws -> Void) {
        self.limit = limit
        self.configure = configure
    }

    func take() throws -> CurlEasy {
        if let easy = idle.popLast() {
            easy.clearError()
            return easy
        }
        let easy = try CurlEasy()
        try configure(easy)
        return easy
    }

    /// Keeps a handle whose transfer is over and which no multi handle holds any more.
    func give(_ easy: CurlEasy) {
        easy.receiver = nil
        if idle.count < limit { idle.append(easy) }
    }
}
