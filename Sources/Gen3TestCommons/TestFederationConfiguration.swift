/// How a ``TestFederation`` starts: how many commons, what each serves, and which prefixes the
/// hub's aggregate MDS and the resolver's `_dist` know.
///
/// ```swift
/// var configuration = TestFederationConfiguration()
/// configuration.commonsCount = 4
/// configuration.commons.objectCount = 8
/// let federation = try TestFederation.start(configuration)
/// ```
public struct TestFederationConfiguration: Sendable {
    /// How many commons, 2...9; commons `n` (1-based, the hub is 1) has the prefix `dg.TEST<n>`.
    /// Nine at most, so that no prefix begins another (the resolver's hints match substrings).
    public var commonsCount = 2
    /// What every commons starts from. Each then gets its own `guidPrefix` (`dg.TEST<n>`), `seed`
    /// (`seed + n - 1`, so GUIDs and contents differ) and `apiKeySecret` (`<apiKeySecret>-<n>`, so
    /// each refuses the others' keys and tokens). `port` and `storagePort` apply to the hub only;
    /// the others take free ports. Every listener, the shared services' too, is on `host`.
    public var commons = TestCommonsConfiguration()
    /// The prefixes the hub's aggregate MDS answers for; nil for the default rule below.
    public var aggregatePrefixes: Set<String>?
    /// The prefixes the resolver's `_dist` entries carry hints for (the other commons are listed
    /// with no hint, so only `GET /index/{guid}` finds them); nil for the default rule below.
    public var distHintedPrefixes: Set<String>?

    /// The defaults: two commons of 50 objects each.
    ///
    /// The default rule, by commons number `n`: the hub (1) is known to both the MDS and `_dist`;
    /// then, in turn, `n` = 2, 5, 8 to both, `n` = 3, 6, 9 to `_dist` only, and `n` = 4, 7 to
    /// neither. So with four commons a compact id of `dg.TEST2` resolves through the MDS, of
    /// `dg.TEST3` through `_dist`, and of `dg.TEST4` only through the resolver's `/index/{guid}`.
    public init() {}

    /// The prefix of commons `number` (1-based).
    public static func prefix(ofCommons number: Int) -> String { "dg.TEST\(number)" }

    /// Whether the default rule has the MDS know commons `number` (1-based).
    static func aggregateKnowsByDefault(_ number: Int) -> Bool { number == 1 || (number - 2) % 3 == 0 }

    /// Whether the default rule has `_dist` hint at commons `number` (1-based).
    static func distHintsByDefault(_ number: Int) -> Bool { number == 1 || (number - 2) % 3 != 2 }

    /// Throws when the fields contradict each other.
    func validate() throws {
        guard (2...9).contains(commonsCount) else {
            throw TestCommonsError.invalidConfiguration("a federation has 2 to 9 commons, not \(commonsCount)")
        }
        let prefixes = Set((1...commonsCount).map(Self.prefix(ofCommons:)))
        for (name, chosen) in [("aggregatePrefixes", aggregatePrefixes), ("distHintedPrefixes", distHintedPrefixes)] {
            if let unknown = chosen?.subtracting(prefixes).sorted(), !unknown.isEmpty {
                throw TestCommonsError.invalidConfiguration("\(name) names no commons: \(unknown.joined(separator: ", "))")
            }
        }
    }
}
