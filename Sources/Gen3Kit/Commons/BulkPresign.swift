/// Fence's bulk presigned-URL route, `POST /user/data/download/bulk` (Fence releases since mid-2026):
/// `{"guids": […]}` in, `{"urls": [{"drs_object_id", "url"}], "failed_guids": […]}` out. One request
/// for a batch of files where the older route takes one per file, and Fence checks the batch's
/// authorization once.
enum BulkPresign {
    /// Fence caps its DRS bulk route at 100 objects per request (`MAX_BULK_DRS_REQUESTS`); this one
    /// has no cap of its own, so stay below that one.
    static let maxGUIDs = 64

    static let path = "/user/data/download/bulk"

    /// `{"guids":[…]}`. Written by hand: Foundation's JSON writer cost more per file than the
    /// request it saves.
    static func body(guids: [String]) -> String {
        var body = "{\"guids\":["
        body.reserveCapacity(16 + guids.reduce(0) { $0 + $1.utf8.count + 3 })
        for (index, guid) in guids.enumerated() {
            if index > 0 { body += "," }
            body += "\""
            guard guid.utf8.contains(where: { $0 == 0x22 || $0 == 0x5c || $0 < 0x20 }) else {
                body += guid + "\""
                continue
            }
            for scalar in guid.unicodeScalars {
                switch scalar {
                case "\"": body += "\\\""
                case "\\": body += "\\\\"
                case "\u{0}"..."\u{1f}": body += "\\u00" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
                default: body.unicodeScalars.append(scalar)
                }
            }
            body += "\""
        }
        return body + "]}"
    }

    /// GUID to URL for each entry of `urls`; nil when the body is not this route's answer. A GUID
    /// Fence could not sign is simply absent (it is also in `failed_guids`, with a status that the
    /// one-file route then gives with its reason).
    static func urls(from body: [UInt8]) -> [String: String]? {
        guard case .object(let object)? = PlainJSON.read(body), case .array(let entries)? = object["urls"] else { return nil }
        var urls: [String: String] = [:]
        urls.reserveCapacity(entries.count)
        for case .object(let entry) in entries {
            guard case .string(let guid)? = entry["drs_object_id"], case .string(let url)? = entry["url"], !url.isEmpty else { continue }
            urls[guid] = url
        }
        return urls
    }
}
