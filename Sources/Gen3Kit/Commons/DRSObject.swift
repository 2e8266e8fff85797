import Foundation

/// What a commons' GA4GH DRS route says of a file: `GET /ga4gh/drs/v1/objects/{id}` →
/// `{"id", "name", "size", "checksums": [{"type", "checksum"}], "access_methods": [{"type",
/// "access_id", "access_url": {"url"}}], …}`.
package struct DRSObject: Equatable, Sendable, Decodable {
    package var record = IndexRecord()
    /// The `access_id`s to ask `/access/{access_id}` for a URL, in the commons' order.
    package var accessIDs: [String] = []
    /// An http(s) URL an access method gives directly (a DRS server without an access route).
    package var directURL: String?

    enum CodingKeys: String, CodingKey {
        case name, size, checksums
        case accessMethods = "access_methods"
    }

    private struct Checksum: Decodable {
        var type: String?
        var checksum: String?
    }

    private struct AccessMethod: Decodable {
        var accessID: String?
        var url: String?

        enum CodingKeys: String, CodingKey {
            case accessID = "access_id"
            case accessURL = "access_url"
        }
        enum URLKeys: String, CodingKey { case url }

        init(from decoder: any Decoder) throws {
            let members = try decoder.container(keyedBy: CodingKeys.self)
            accessID = members.lenient(String.self, .accessID)
            url = (try? members.nestedContainer(keyedBy: URLKeys.self, forKey: .accessURL))?.lenient(String.self, .url)
        }
    }

    package init(from decoder: any Decoder) throws {
        let members = try decoder.container(keyedBy: CodingKeys.self)
        record.fileName = members.lenient(String.self, .name)
        record.size = members.lenient(Int64.self, .size).flatMap { $0 >= 0 ? $0 : nil }
        let checksums = (try? members.decodeIfPresent([Checksum].self, forKey: .checksums)) ?? nil
        if let md5 = checksums?.first(where: { $0.type?.lowercased() == "md5" })?.checksum, md5.count == 32, md5.allSatisfy(\.isHexDigit) {
            record.md5 = md5.lowercased()
        }
        let methods = (try? members.decodeIfPresent([AccessMethod].self, forKey: .accessMethods)) ?? nil
        accessIDs = methods?.compactMap { $0.accessID.flatMap { $0.isEmpty ? nil : $0 } } ?? []
        directURL = methods?.compactMap(\.url).first { $0.lowercased().hasPrefix("https://") || $0.lowercased().hasPrefix("http://") }
    }

    /// Reads a DRS object's JSON; nil when it is not one.
    static func parse(_ body: [UInt8]) -> DRSObject? {
        SmallJSON.decode(DRSObject.self, from: Data(body))
    }
}
