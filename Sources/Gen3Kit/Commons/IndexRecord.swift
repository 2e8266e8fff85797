import Foundation

/// What indexd knows of a file: `GET {endpoint}/index/{guid}`.
package struct IndexRecord: Equatable, Sendable {
    package var fileName: String?
    package var size: Int64?
    package var md5: String?

    /// Reads indexd's JSON; nil when it is not a record.
    static func parse(_ body: [UInt8]) -> IndexRecord? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { return nil }
        var record = IndexRecord()
        record.fileName = object["file_name"] as? String
        if let number = object["size"] as? NSNumber, number.int64Value >= 0 { record.size = number.int64Value }
        if let hashes = object["hashes"] as? [String: Any], let md5 = hashes["md5"] as? String,
            md5.count == 32, md5.allSatisfy(\.isHexDigit)
        {
            record.md5 = md5.lowercased()
        }
        return record
    }
}
