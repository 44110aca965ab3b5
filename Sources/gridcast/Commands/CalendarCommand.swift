import ArgumentParser
import Features
import Foundation
import Ingest

/// `gridcast calendar fill`: the hourly calendar and sun table the feature SQL joins.
struct CalendarCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calendar",
        abstract: "Fill the hourly calendar, holiday, DST and sun table (operational calendar_hourly).",
        subcommands: [Fill.self])

    struct Fill: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compute and merge every local hour of a date range for a location; re-filling is idempotent.",
            discussion: """
                Holidays are those of the location's region (holidays table; US-CA adds the built-in US federal \
                and California rules); sun position (NOAA) and clear-sky irradiance are taken at each hour's \
                midpoint for the location's coordinates and time zone in weather_locations. Day periods are \
                half-open local-hour ranges START-END (hour starts START..END-1).
                """)

        @OptionGroup var options: GlobalOptions

        @Option(help: "First local date (YYYY-MM-DD).") var from: String
        @Option(help: "Last local date, inclusive (YYYY-MM-DD).") var to: String
        @Option(help: "Weather location name in weather_locations (default: the one location the active series use).")
        var location: String?
        @Option(name: .customLong("morning-peak"), help: "Morning peak hours.") var morningPeak: String = "6-10"
        @Option(help: "Solar production hours.") var solar: String = "9-17"
        @Option(name: .customLong("evening-ramp"), help: "Evening ramp hours.") var eveningRamp: String = "16-20"
        @Option(name: .customLong("evening-peak"), help: "Evening peak hours.") var eveningPeak: String = "20-23"

        static func hours(_ text: String) -> Range<Int>? {
            let parts = text.split(separator: "-").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 2, parts[0] >= 0, parts[0] < parts[1], parts[1] <= 24 else { return nil }
            return parts[0]..<parts[1]
        }

        func validate() throws {
            guard let start = LocalDate(from), let end = LocalDate(to) else {
                throw ValidationError("--from and --to must be dates (YYYY-MM-DD).")
            }
            guard start <= end else { throw ValidationError("--from \(from) is after --to \(to).") }
            for (name, value) in [("--morning-peak", morningPeak), ("--solar", solar), ("--evening-ramp", eveningRamp),
                                  ("--evening-peak", eveningPeak)] where Self.hours(value) == nil {
                throw ValidationError("\(name) '\(value)' is not START-END with 0 <= START < END <= 24, e.g. 6-10.")
            }
        }

        func run() throws {
            try CommandRunner.run(options, command: "calendar fill") { logger in
                let connection = try options.connect(logger)
                let periods = DayPeriods(morningPeak: Self.hours(morningPeak) ?? 6..<10, solar: Self.hours(solar) ?? 9..<17,
                                         eveningRamp: Self.hours(eveningRamp) ?? 16..<20, eveningPeak: Self.hours(eveningPeak) ?? 20..<23)
                let writer = CalendarTableWriter(layout: options.layout, periods: periods, logger: logger)
                let location = try self.location ?? DefaultLocation.resolve(on: connection, layout: options.layout)
                let summary = try writer.fill(location: location, from: LocalDate(from)!, through: LocalDate(to)!, on: connection)
                if !options.json {
                    print("Calendar for \(summary.location) (\(summary.timeZone)) \(summary.from) to \(summary.through): "
                          + "\(summary.hours) hours, \(summary.inserted) inserted, \(summary.updated) updated, "
                          + "\(summary.unchanged) unchanged, \(summary.deleted) removed.")
                }
                return ["location": .string(summary.location), "time_zone": .string(summary.timeZone),
                        "from": .string(summary.from.description), "to": .string(summary.through.description),
                        "hours": .int(summary.hours), "inserted": .int(summary.inserted), "updated": .int(summary.updated),
                        "unchanged": .int(summary.unchanged), "deleted": .int(summary.deleted),
                        "seconds": .number((summary.seconds * 1000).rounded() / 1000)]
            }
        }
    }
}
