/// Where each file goes inside the download directory: decided here for both imports (the fast
/// first one and the row-by-row one), for names indexd supplies at run time, and for files that
/// find their name taken on disk (`--rename`).
///
/// A file's name is its manifest or indexd name made safe in the job's format (`SafeFileName`),
/// else its GUID. The one clash rule: when that name is taken, the file gets the first free of
/// `name_1.ext`, `name_2.ext`, … An import applies it only with `--rename` and otherwise stops,
/// listing the clashes; a name indexd gives at run time always applies it (there is no one to ask);
/// a name taken on disk by a file the job did not write applies it with `--rename`.
package enum DestinationNamer {
    /// Alternatives tried before a file is given up on.
    static let maxAlternatives = 1000

    /// The name a file wants, or nil while the format needs a file name that is not known yet
    /// (indexd supplies it when the file is downloaded).
    static func wanted(guid: String, fileName: String?, format: FilenameFormat) -> String? {
        SafeFileName.destinationName(guid: guid, fileName: fileName, format: format)
    }

    /// The name a file gets once indexd has been asked: `wanted`, else its GUID.
    static func resolved(guid: String, fileName: String?, format: FilenameFormat) -> String {
        wanted(guid: guid, fileName: fileName, format: format)
            ?? SafeFileName.destinationName(guid: guid, fileName: nil, format: .guid) ?? "file"
    }

    /// The `n`th alternative to a taken `name`: `name_n.ext`.
    static func alternative(to name: String, _ n: Int) -> String { SafeFileName.numbered(name, n) }

    /// The first of `name`'s alternatives that `take` accepts (it returns false for a taken one),
    /// or nil when none of `maxAlternatives` is free.
    static func firstFreeAlternative(to name: String, take: (String) throws -> Bool) rethrows -> String? {
        for n in 1...maxAlternatives {
            let candidate = alternative(to: name, n)
            if try take(candidate) { return candidate }
        }
        return nil
    }

    /// `take` for a job's rows: `write` records a name for one row, and another row that has the
    /// name already (the unique index refuses it) makes it taken.
    static func unlessTaken(_ write: @escaping (String) throws -> Void) -> (String) throws -> Bool {
        { candidate in
            do {
                try write(candidate)
                return true
            } catch let error as any DatabaseError where error.isUniqueViolation {
                return false
            }
        }
    }
}
