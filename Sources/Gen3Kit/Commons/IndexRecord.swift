import Foundation

/// What indexd knows of a file: `GET {endpoint}/index/{guid}`.
package struct IndexRecord: Equatable, Sendable, Decodable {
    package var fileName: String?
    package var size: Int64?
    package var md5: String?

    enum CodingKeys: String, CodingKey {
        case fileName = "file_name"
        case size
        case hashes
    }

    enum HashKeys: String, CodingKey { case md5 }

    init() {}

    package init(from decoder: any Decoder) throws {
        let members = try decoder.container(keyedBy: CodingKeys.self)
        fileName = members.lenient(String.self, .fileName)
        size = members.lenient(Int64.self, .size).flatMap { $0 >= 0 ? $0 : nil }
        if let hashes = try? members.nestedContainer(keyedBy: HashKeys.self, forKey: .hashes),
            let md5 = hashes.lenient(String.self, .md5), md5.count == 32, md5.allSatisfy(\.isHexDigit)
        {
            self.md5 = md5.lowercased()
        }
    }

    /// Reads indexd's JSON; nil when it is not a record.
    static func parse(_ body: [UInt8]) -> IndexRecord? {
        SmallJSON.decode(IndexRecord.self, from: Data(body))
    }
}
