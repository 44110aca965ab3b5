import Migrations
import Warehouse

/// The location `calendar fill` and `load weather` mean when they are not given `--location`: the one
/// location the active series use; with no active series, the one row of `weather_locations`. Anything
/// else is ambiguous and refused, naming the choices: a built-in default would silently fill the
/// calendar of, or file the weather under, another region.
public enum DefaultLocation {
    public static func resolve(on connection: Connection, layout: SchemaLayout) throws -> String {
        let operational = SQLIdentifier.quoteValidated(layout.operationalSchema)
        let input = SQLIdentifier.quoteValidated(layout.inputSchema)
        let rows = try connection.execute("""
            select 'series' as source, location from \(operational).series_catalog where active group by location
            union all
            select 'table', location from \(input).weather_locations
            order by 1, 2
            """, name: "default location").rows
        let used = rows.filter { $0.string("source") == "series" }.compactMap { $0.string("location") }
        let known = rows.filter { $0.string("source") == "table" }.compactMap { $0.string("location") }
        if used.count == 1 { return used[0] }
        if used.isEmpty, known.count == 1 { return known[0] }
        throw LocationChoiceError(usedBySeries: used, known: known)
    }
}

/// No single location to default to.
public struct LocationChoiceError: Error, CustomStringConvertible {
    public let usedBySeries: [String]
    public let known: [String]

    public var description: String {
        if !usedBySeries.isEmpty {
            return "Which location? The active series use \(usedBySeries.joined(separator: ", ")): "
                + "give --location with one of them (the command works on one location at a time)."
        }
        if known.isEmpty {
            return "No location in weather_locations: insert one (coordinates, IANA time zone, holiday region; "
                + "README, \"Locations, time zones and holiday regions\"), then give --location NAME."
        }
        return "Which location? weather_locations has \(known.joined(separator: ", ")) and no active series "
            + "picks one: give --location NAME."
    }
}
