/// Which part of the commons a request reaches; faults and request counts are kept per route.
public enum Route: String, Sendable, Hashable, CaseIterable {
    /// Fence: `POST /user/credentials/cdis/access_token`.
    case token
    /// Fence: `GET /user/data/download/{guid}`, which answers a presigned URL.
    case download
    /// Fence: `POST /user/data/download/bulk`, which answers presigned URLs for a list of GUIDs.
    case bulkDownload = "bulk_download"
    /// indexd: `GET /index/{guid}`.
    case index
    /// The storage host: `GET /objects/{index}?expires=…&sig=…`.
    case storage
}
