import CLibPQ
import Foundation

extension PostgresConnection {
    /// `url` without its password, for messages and logs: `postgresql://gen3:***@db.example/jobs`,
    /// `host=db.example password=*** dbname=jobs`. Takes the two forms libpq does, a URI
    /// (`postgresql://` or `postgres://`; a password in its user info or as a `password=`
    /// parameter) and `keyword=value` pairs (where `dbname` may itself be a URI). Everything else is
    /// kept as written.
    package static func redacted(_ url: String) -> String {
        if url.hasPrefix("postgresql://") || url.hasPrefix("postgres://") { return redactedURI(url) }
        return redactedKeywords(url)
    }

    /// The password `url` holds, as libpq reads it (percent-decoded, unquoted), or nil.
    static func password(in url: String) -> String? {
        guard let options = PQconninfoParse(url, nil) else { return nil }
        defer { PQconninfoFree(options) }
        var option = options
        while let keyword = option.pointee.keyword {
            if String(cString: keyword) == "password" { return option.pointee.val.map { String(cString: $0) } }
            option += 1
        }
        return nil
    }

    private static func redactedURI(_ uri: String) -> String {
        let schemeEnd = uri.range(of: "://")!.upperBound
        var text = String(uri[..<schemeEnd])
        var rest = uri[schemeEnd...]
        // The last @ ends the user info, so that a password holding an unescaped @, / or ? is
        // hidden whole (an @ further on hides more than the password: the safe side).
        if let at = rest.lastIndex(of: "@"), let colon = rest[..<at].firstIndex(of: ":") {
            text += rest[..<colon] + ":***"
            rest = rest[at...]
        }
        // Then any `password=` parameter; libpq percent-decodes the keywords too.
        var parameter = ""
        var inQuery = false
        func emit() {
            let keyword = parameter.prefix { $0 != "=" }
            let isPassword = inQuery && keyword.count < parameter.count && (keyword.removingPercentEncoding ?? "") == "password"
            text += isPassword ? keyword + "=***" : parameter
        }
        for character in rest {
            if character == "?" || character == "&" {
                emit()
                text.append(character)
                parameter = ""
                inQuery = true
            } else {
                parameter.append(character)
            }
        }
        emit()
        return text
    }

    /// Walks `keyword = value` pairs as libpq's parser does (values quoted with `'`, or ending at
    /// white space; `\` escapes the next character in both) and hides the password's value.
    private static func redactedKeywords(_ conninfo: String) -> String {
        let characters = Array(conninfo)
        var output = ""
        var index = 0
        func take(while predicate: (Character) -> Bool) -> String {
            let start = index
            while index < characters.count, predicate(characters[index]) { index += 1 }
            return String(characters[start..<index])
        }
        while index < characters.count {
            output += take { $0.isWhitespace }
            let keyword = take { !$0.isWhitespace && $0 != "=" }
            output += keyword + take { $0.isWhitespace }
            guard index < characters.count, characters[index] == "=" else { continue }
            index += 1
            output += "=" + take { $0.isWhitespace }
            let valueStart = index
            let quoted = index < characters.count && characters[index] == "'"
            if quoted { index += 1 }
            while index < characters.count {
                let character = characters[index]
                if character == "\\" {
                    index += 2
                    continue
                }
                if quoted ? character == "'" : character.isWhitespace { break }
                index += 1
            }
            let closed = quoted && index < characters.count
            if closed { index += 1 }
            index = min(index, characters.count)
            let value = String(characters[valueStart..<index])
            if keyword == "password" {
                output += "***"
            } else if keyword == "dbname" {
                // A dbname may be a whole URI or connection string, password and all.
                output +=
                    quoted ? "'" + redacted(String(value.dropFirst().dropLast(closed ? 1 : 0))) + (closed ? "'" : "") : redacted(value)
            } else {
                output += value
            }
        }
        return output
    }
}
