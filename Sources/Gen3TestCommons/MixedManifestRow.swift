/// One row of a federation's mixed manifest, with what a test needs to predict how a client
/// resolves it.
public struct MixedManifestRow: Sendable, Hashable {
    /// The manifest's `object_id`, spelled per ``form``.
    public let objectID: String
    /// The manifest's `commons_url` (the commons' `host:port`), on ``ManifestIdentifierForm/commonsURL`` rows only.
    public let commonsURL: String?
    /// How ``objectID`` names the object.
    public let form: ManifestIdentifierForm
    /// Which commons has the object: its index in ``TestFederation/commons`` (0 is the hub).
    public let commons: Int
    /// The object, with its full GUID, size and md5.
    public let object: TestObject
}
