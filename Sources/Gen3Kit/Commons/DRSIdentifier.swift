/// What a manifest's identifier says about the file's commons. A Gen3 manifest may name a file as
/// a bare UUID, a prefixed id (`dg.4DFC/<uuid>`, the prefix naming the commons that minted it), a
/// hostname DRS URI (`drs://nci-crdc.datacommons.io/dg.4DFC/<uuid>`) or a compact DRS URI
/// (`drs://dg.4DFC:<uuid>`, the `self_uri` an indexd answers). The job keeps the text verbatim;
/// this is how it is read, every time a file is claimed, so no form is stored twice.
package struct DRSIdentifier: Equatable, Sendable {
    /// What the file's commons knows it by (its indexd `did`): `dg.4DFC/<uuid>` or a bare UUID.
    package let objectID: String
    /// The prefix before the first `/` of ``objectID``, when it has one.
    package let prefix: String?
    /// The commons a hostname DRS URI names (`scheme://host[:port]`, see `Endpoint.origin`); nil for
    /// the other forms, or when the host is not one.
    package let host: String?

    package init(_ text: String) {
        var objectID = text
        var host: String?
        if text.utf8.count > 6, text.prefix(6).lowercased() == "drs://" {
            let rest = text.dropFirst(6)
            let slash = rest.firstIndex(of: "/")
            let authority = rest[..<(slash ?? rest.endIndex)]
            if let colon = authority.firstIndex(of: ":"), !Self.isPort(authority[authority.index(after: colon)...]) {
                // Compact: prefix, colon, accession; the accession may hold slashes of its own.
                objectID = String(authority[..<colon]) + "/" + String(rest[rest.index(after: colon)...])
            } else if let slash, rest.index(after: slash) < rest.endIndex {
                objectID = String(rest[rest.index(after: slash)...])
                host = try? Endpoint.origin(of: String(authority))
            }
        }
        self.objectID = objectID
        self.host = host
        if let slash = objectID.firstIndex(of: "/"), slash > objectID.startIndex, objectID.index(after: slash) < objectID.endIndex {
            prefix = String(objectID[..<slash])
        } else {
            prefix = nil
        }
    }

    /// The host of a hostname DRS URI, without parsing anything else: asked of every manifest
    /// entry at import, where almost none is a `drs://` URI.
    package static func host(of text: String) -> String? {
        guard let first = text.utf8.first, first | 0x20 == UInt8(ascii: "d") else { return nil }
        return DRSIdentifier(text).host
    }

    private static func isPort(_ text: Substring) -> Bool {
        !text.isEmpty && text.count <= 5 && text.allSatisfy { $0.isASCII && $0.isNumber }
    }
}
