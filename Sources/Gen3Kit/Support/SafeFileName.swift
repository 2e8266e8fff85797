/// Turns untrusted names (from manifests and indexd) into a plain file name that stays directly
/// inside the download directory: no separators, no `.`/`..`, no control characters, no leading
/// dot, bounded length, never ending in `.part` (our partial files' suffix).
package enum SafeFileName {
    /// Longest name we produce, in UTF-8 bytes; most file systems allow 255.
    package static let maxBytes = 200

    /// The safe form of `name`, or nil when nothing usable is left.
    package static func sanitize(_ name: String) -> String? {
        if isPlain(name) { return name }
        // Keep only what follows the last separator of either convention.
        let lastComponent = name.split(omittingEmptySubsequences: false) { $0 == "/" || $0 == "\\" }.last.map(String.init) ?? name
        var scalars = String.UnicodeScalarView()
        for scalar in lastComponent.unicodeScalars {
            switch scalar.value {
            case 0..<0x20, 0x7f, 0x80..<0xa0: scalars.append("_")
            // Bidi controls (overrides, isolates, marks) make a name read differently, hiding a real extension.
            case 0x061c, 0x200e, 0x200f, 0x202a...0x202e, 0x2066...0x2069: scalars.append("_")
            default: scalars.append(scalar)
            }
        }
        var result = String(scalars).trimmingSpaces()
        while result.hasPrefix(".") { result = "_" + result.dropFirst() }
        if result.allSatisfy({ $0 == "_" || $0 == "." }) { return nil }
        result = truncate(result, toBytes: maxBytes)
        if result.hasSuffix(".part") { result = truncate(result, toBytes: maxBytes - 1) + "_" }
        return result
    }

    /// Already safe: printable ASCII without spaces or separators, no leading dot, short, and not
    /// ending in `.part`. Checked on bytes, because most names are like this and grapheme-aware
    /// String work would dominate a million-row import.
    static func isPlain(_ name: String) -> Bool {
        let bytes = name.utf8
        guard let first = bytes.first, first != UInt8(ascii: "."), bytes.count <= maxBytes else { return false }
        guard bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "\\") }) else { return false }
        return !bytes.reversed().starts(with: "trap.".utf8)
    }

    /// The name for `guid` under `format`, or nil when the original name is not known yet.
    package static func destinationName(guid: String, fileName: String?, format: FilenameFormat) -> String? {
        // Only what follows the GUID's last "/" (its prefix says nothing about the file).
        var guidName: String { sanitize(guid) ?? "file" }
        switch format {
        case .guid:
            return guidName
        case .original:
            guard let fileName else { return nil }
            return sanitize(fileName) ?? guidName
        case .combined:
            guard let fileName, let safe = sanitize(fileName) else { return fileName == nil ? nil : guidName }
            let (stem, ext) = split(safe)
            let suffix = guidName
            let room = maxBytes - suffix.utf8.count - ext.utf8.count - 1
            // A GUID too long to leave room for the name: the GUID alone is the name.
            guard room >= 1 else { return suffix }
            return truncate(stem, toBytes: room) + "_" + suffix + ext
        }
    }

    /// `name_<n>.ext`, for the `n`th file that wanted `name.ext`.
    package static func numbered(_ name: String, _ n: Int) -> String {
        let (stem, ext) = split(name)
        let suffix = "_\(n)"
        return truncate(stem, toBytes: maxBytes - suffix.utf8.count - ext.utf8.count) + suffix + ext
    }

    /// Splits `archive.tar.gz` into `archive` and `.tar.gz`; a name without a dot has no extension.
    static func split(_ name: String) -> (stem: String, ext: String) {
        let compound = [".tar.gz", ".tar.bz2", ".tar.xz", ".vcf.gz", ".fastq.gz", ".fq.gz", ".bam.bai"]
        for ext in compound where name.count > ext.count && name.lowercased().hasSuffix(ext) {
            return (String(name.dropLast(ext.count)), String(name.suffix(ext.count)))
        }
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return (name, "") }
        let ext = name[dot...]
        guard ext.count <= 16 else { return (name, "") }
        return (String(name[..<dot]), String(ext))
    }

    /// Cuts `text` to at most `bytes` UTF-8 bytes without splitting a character.
    static func truncate(_ text: String, toBytes bytes: Int) -> String {
        guard text.utf8.count > bytes else { return text }
        var result = ""
        var used = 0
        for character in text {
            let size = character.utf8.count
            if used + size > max(bytes, 1) { break }
            result.append(character)
            used += size
        }
        return result.isEmpty ? "_" : result
    }
}

extension String {
    func trimmingSpaces() -> String {
        // Nothing to trim in the common case: decided on bytes, without grapheme breaking.
        if let first = utf8.first, let last = utf8.last, first > 0x20, first < 0x80, last > 0x20, last < 0x80 { return self }
        var view = Substring(self)
        while let first = view.first, first.isWhitespace { view.removeFirst() }
        while let last = view.last, last.isWhitespace { view.removeLast() }
        return String(view)
    }
}
