/// How a file's name in the download directory is chosen.
public enum FilenameFormat: String, CaseIterable, Sendable {
    /// The name the manifest or indexd gives (made safe).
    case original
    /// The GUID (made safe).
    case guid
    /// `name_<guid>.ext`: never clashes.
    case combined
}
