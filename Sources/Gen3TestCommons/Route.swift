/// Which part of a commons (or of a federation's shared services) a request reaches; faults and
/// request counts are kept per route.
public enum Route: String, Sendable, Hashable, CaseIterable {
    /// Fence: `POST /user/credentials/cdis/access_token`.
    case token
    /// Fence: `GET /user/data/download/{guid}`, which answers a presigned URL.
    case download
    /// Fence: `POST /user/data/download/bulk`, which answers presigned URLs for a list of GUIDs.
    case bulkDownload = "bulk_download"
    /// indexd: `GET /index/{guid}` and its alias `GET /{guid}`.
    case index
    /// indexd's DRS route: `GET /ga4gh/drs/v1/objects/{id}`, which answers the DRS object.
    case drsObject = "drs_object"
    /// Fence's DRS route: `GET /ga4gh/drs/v1/objects/{id}/access/{access_id}`, which answers a presigned URL.
    case drsAccess = "drs_access"
    /// The aggregate metadata service: `GET /mds/aggregate/info/{prefix}`, which answers the host of a prefix.
    case aggregateInfo = "aggregate_info"
    /// The storage host: `GET /objects/{index}?expires=…&sig=…`.
    case storage
    /// A federation's DRS resolver: `GET /index/_dist`, the list of known indexd services.
    case resolverDist = "resolver_dist"
    /// A federation's DRS resolver: `GET /index/{guid}`, the record from whichever commons has it.
    case resolverIndex = "resolver_index"
    /// A federation's Workspace Token Service: `GET /wts/external_oidc/`, the identity providers.
    case wtsProviders = "wts_providers"
    /// A federation's Workspace Token Service: `GET /wts/token/?idp=…`, an access token of that provider's commons.
    case wtsToken = "wts_token"
}
