/// How a row of a federation's mixed manifest (``TestFederation/writeMixedManifest(to:format:)``)
/// names its object, and so which step of a client's resolution finds its commons.
public enum ManifestIdentifierForm: String, Sendable, CaseIterable {
    /// `drs://<host:port>/<prefix>/<uuid>`: the URI names the commons' host.
    case hostDRSURI = "host_drs_uri"
    /// `<prefix>/<uuid>`: the prefix must be resolved (MDS, `_dist`, then `/index/{guid}`).
    case compactID = "compact_id"
    /// `drs://<prefix>:<uuid>`, the `self_uri` form: the prefix must be resolved.
    case compactDRSURI = "compact_drs_uri"
    /// `<prefix>/<uuid>` with `commons_url` set to the commons' `host:port`: the row names the commons.
    case commonsURL = "commons_url"
    /// `<uuid>` alone, only for the hub's objects: nothing names a commons, so the client's default
    /// endpoint (the hub) has it.
    case bareUUID = "bare_uuid"

    /// The form of object `object` (its index in that commons' ``TestCommons/objects``) of commons
    /// `commons` (0-based, the hub is 0): the forms in their declared order, cycling over the
    /// objects — five for the hub, the first four for the others. So object 0 of every commons is
    /// a `drs://host:port/…` URI, object 1 a compact id, object 2 a compact DRS URI, object 3 a
    /// `commons_url` row, object 4 of the hub a bare UUID, and so on round.
    public static func of(object: Int, commons: Int) -> ManifestIdentifierForm {
        let forms = commons == 0 ? allCases : allCases.filter { $0 != .bareUUID }
        return forms[object % forms.count]
    }
}
