import CCurl
import Foundation

/// A libcurl failure, with curl's own detail from `CURLOPT_ERRORBUFFER` when it gave one.
package struct CurlError: Error, LocalizedError, Equatable {
    package let code: Int32
    package let detail: String
    /// EMFILE or ENFILE when the request could not connect because this process could open no more
    /// files: then no request after it can connect either (see `CurlEasy.error(for:)`).
    package let openFilesErrno: Int32?

    package init(code: Int32, detail: String = "", openFilesErrno: Int32? = nil) {
        self.code = code
        self.detail = detail
        self.openFilesErrno = openFilesErrno
    }

    package var errorDescription: String? {
        let summary = String(cString: ccurl_easy_strerror(code))
        let text = detail.isEmpty || detail == summary ? "\(summary) (curl \(code))" : "\(detail) (curl \(code): \(summary))"
        guard let openFilesErrno else { return text }
        return
            "cannot open a connection: \(String(cString: strerror(openFilesErrno))) (\(text)); lower --max-concurrent-requests or raise the open-file limit (ulimit -n), then run again (finished and partial files are kept)"
    }

    /// Whether `code` says the request could not connect: what libcurl reports, without the errno,
    /// when it could not open the socket (or, for a host name, its resolver's socket pair).
    static func failedToConnect(_ code: Int32) -> Bool {
        code == CCURLE_COULDNT_CONNECT || code == CCURLE_COULDNT_RESOLVE_HOST
    }

    /// Errors that no retry can fix: the URL itself is unusable.
    package var isPermanent: Bool {
        [
            CCURLE_UNSUPPORTED_PROTOCOL, CCURLE_URL_MALFORMAT, CCURLE_TOO_MANY_REDIRECTS,
            CCURLE_PEER_FAILED_VERIFICATION, CCURLE_SSL_CACERT_BADFILE, CCURLE_SSL_CERTPROBLEM,
        ].contains(code)
    }
}

/// libcurl's process-wide setup, done once before the first handle.
enum CurlGlobal {
    static let initialized: Bool = ccurl_global_init() == 0
}
