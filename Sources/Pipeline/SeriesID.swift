import Migrations
import Warehouse

/// A forecast series: load profile x segment, written `RES-SOLAR`.
public struct SeriesID: Sendable, Hashable, CustomStringConvertible, Codable {
    public let loadProfile: String
    public let loadSegment: String

    public init(loadProfile: String, loadSegment: String) {
        self.loadProfile = loadProfile
        self.loadSegment = loadSegment
    }

    /// Parses `PROFILE-SEGMENT`; the segment is the part after the last dash, so profiles may contain dashes.
    public init?(_ text: String) {
        guard let dash = text.lastIndex(of: "-"), dash != text.startIndex, text.index(after: dash) != text.endIndex else { return nil }
        loadProfile = String(text[..<dash])
        loadSegment = String(text[text.index(after: dash)...])
    }

    public var description: String { "\(loadProfile)-\(loadSegment)" }
}

/// Which series a command works on, resolved against the series catalog (rows, not code).
public struct SeriesSelection: Sendable {
    public var series: [String] = []
    public var profiles: [String] = []
    public var segments: [String] = []
    public var all = false
    /// Only the series of this shard, so N worker processes can split one selection between them.
    public var shard: SeriesShard?

    public init(series: [String] = [], profiles: [String] = [], segments: [String] = [], all: Bool = false, shard: SeriesShard? = nil) {
        self.series = series
        self.profiles = profiles
        self.segments = segments
        self.all = all
        self.shard = shard
    }

    /// The active catalog series matching the selection, in catalog order. Names are bound values,
    /// so a series name holding quotes or SQL selects nothing rather than changing the query.
    public func resolve(on connection: Connection, layout: SchemaLayout) throws -> [SeriesID] {
        let rows = try connection.execute("""
            select load_profile, load_segment from \(SQLIdentifier.quoteValidated(layout.operationalSchema)).series_catalog
            where active order by load_profile, load_segment
            """, name: "read series catalog").rows
        let catalog = rows.compactMap { row -> SeriesID? in
            guard let profile = row.string("load_profile"), let segment = row.string("load_segment") else { return nil }
            return SeriesID(loadProfile: profile, loadSegment: segment)
        }
        if all { return sharded(catalog) }
        let unknown = series.filter { name in !catalog.contains { $0.description == name } }
        guard unknown.isEmpty else { throw SelectionError.unknownSeries(unknown, known: catalog.map(\.description)) }
        let chosen = catalog.filter { id in
            series.contains(id.description)
                || ((profiles.isEmpty || profiles.contains(id.loadProfile)) && (segments.isEmpty || segments.contains(id.loadSegment))
                    && !(profiles.isEmpty && segments.isEmpty))
        }
        guard !chosen.isEmpty else { throw SelectionError.nothingSelected(known: catalog.map(\.description)) }
        return sharded(chosen)
    }

    /// The series of `series` whose load profile has no SQMD at all in the warehouse: `train --all` lists
    /// them as skipped instead of failing on each (a catalog row added before its data, or a seeded sample
    /// series on a real warehouse). One statement per series asks both the stored hourly actuals and the
    /// SQMD itself (which rows loaded without gridcast's loader reach), each an indexed EXISTS.
    /// One lookup per series rather than one correlated query over the catalog: each filters on
    /// the load profile, so Citus routes it to one shard (a correlated NOT EXISTS from the catalog, a
    /// reference table, into a distributed table is a join Citus cannot plan).
    public static func withoutActuals(_ series: [SeriesID], on connection: Connection, layout: SchemaLayout) throws -> Set<SeriesID> {
        let schema = SQLIdentifier.quoteValidated(layout.operationalSchema)
        let input = SQLIdentifier.quoteValidated(layout.inputSchema)
        var missing: Set<SeriesID> = []
        for id in series {
            let has = try connection.execute("""
                select exists (select 1 from \(schema).series_actuals_hourly a where a.load_profile = $1 and a.load_segment = $2)
                    or exists (select 1 from \(input).sqmd q where q.loadprofile = $1) as has
                """, [id.loadProfile, id.loadSegment], name: "series without actuals: \(id)").first?.bool("has") ?? false
            if !has { missing.insert(id) }
        }
        return missing
    }

    private func sharded(_ chosen: [SeriesID]) -> [SeriesID] {
        guard let shard else { return chosen }
        return chosen.filter(shard.contains)
    }
}

/// Shard `index` of `count` (1-based, written `2/4`). A series belongs to the shard its series id hashes
/// to (FNV-1a, 64-bit), not to its position in the catalog, so workers that read the catalog at slightly
/// different moments still split it without overlap or gaps, and a series stays on the same worker
/// from run to run. With few series the shards can be uneven; with hundreds they even out.
public struct SeriesShard: Sendable, Hashable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1, (1...count).contains(index) else { return nil }
        self.index = index
        self.count = count
    }

    public var description: String { "\(index)/\(count)" }

    public func contains(_ series: SeriesID) -> Bool {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in series.description.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int(hash % UInt64(count)) == index - 1
    }
}

public enum SelectionError: Error, CustomStringConvertible {
    case unknownSeries([String], known: [String])
    case nothingSelected(known: [String])

    public var description: String {
        switch self {
        case let .unknownSeries(names, known):
            return "Unknown series \(names.joined(separator: ", ")); the active series are \(Self.listing(known)). "
                + "Add one with INSERT INTO the series_catalog table."
        case let .nothingSelected(known):
            return "No series selected; use --series (one of \(Self.listing(known))), --profile, --segment or --all."
        }
    }

    /// The first few names and a count: a catalog of a thousand series would bury the message.
    static func listing(_ names: [String], limit: Int = 12) -> String {
        guard names.count > limit else { return names.joined(separator: ", ") }
        return names.prefix(limit).joined(separator: ", ") + " and \(names.count - limit) more (all in the series_catalog table)"
    }
}
