import CCurl
import Foundation

/// A libcurl failure, with curl's own detail from `CURLOPT_ERRORBUFFER` when it gave one.
package struct CurlError: Error, LocalizedError, Equatable {
    package let code: Int32
    package let detail: String

    package init(code: Int32, detail: String = "") {
        self.code = code
        self.detail = detail
    }

    package var errorDescription: String? {
        let summary = String(cString: ccurl_easy_strerror(code))
        return detail.isEmpty || detail == summary ? "\(summary) (curl \(code))" : "\(detail) (curl \(code): \(summary))"
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
