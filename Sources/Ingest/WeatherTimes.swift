import Features
import Foundation

/// How the local time labels of a weather file become instants.
///
/// Open-Meteo is not DST-aware inside one response: with `timezone=America/Los_Angeles` it
/// formats every timestamp as UTC plus the single `utc_offset_seconds` of the response (the
/// offset in force when the request was served), so a response spanning a DST change has
/// neither a gap nor a repeated hour in its labels, and `2024-07-01T12:00` in a response served
/// in winter (offset -28800) means 20:00 UTC, which is 13:00 PDT. Its maintainers confirm this
/// (open-meteo issues #261 and #488), and its JSON and CSV writers format `time + utc_offset_seconds`.
/// So the faithful reading of an Open-Meteo file is `instant = label - utc_offset_seconds`.
///
/// Files from other tools may instead carry true wall-clock labels in the zone, with 02:00
/// missing on the spring-forward day and 01:00 twice on the fall-back day.
public enum WeatherTimeInterpretation: String, Sendable, CaseIterable {
    /// Fixed offset, unless the labels only form a regular hourly series when read as wall-clock
    /// times in `timezone` (they skip and repeat an hour where the zone does). Unix-second and
    /// explicitly offset labels (`...Z`, `...-07:00`) are unambiguous and need neither.
    case automatic
    /// `instant = label - utc_offset_seconds` for every row: Open-Meteo's own rule.
    case fixedOffset = "fixed-offset"
    /// Each label is a wall-clock time in `timezone`; a repeated fall-back hour is taken in file
    /// order (first = the earlier instant), a label the zone skipped is rejected.
    case wallClock = "wall-clock"
}

enum WeatherTimes {
    struct Resolution {
        var instants: [Date?]
        var problems: [Int: String]
        /// The rule applied to local labels (nil when every label was unambiguous on its own).
        var interpretation: WeatherTimeInterpretation?
    }

    /// Seconds since 1970 of a label read as if it were UTC: `YYYY-MM-DDTHH:MM[:SS]` (a space may
    /// replace the T). Nil when malformed or when the label carries its own offset.
    static func naiveSeconds(_ label: String) -> Int64? {
        guard let parsed = parse(label), parsed.offset == nil else { return nil }
        return parsed.naive
    }

    /// A label split into its naive seconds and, when it ends in `Z` or `±HH:MM`, that offset.
    static func parse(_ label: String) -> (naive: Int64, offset: Int?)? {
        let bytes = Array(label.utf8)
        guard bytes.count >= 16, bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " "),
              bytes[13] == UInt8(ascii: ":"),
              let date = LocalDateParser.date(bytes[0..<10]),
              let hour = digits(bytes[11..<13]), let minute = digits(bytes[14..<16]), hour < 24, minute < 60
        else { return nil }
        var rest = bytes[16...]
        var second = 0
        if rest.first == UInt8(ascii: ":") {
            guard rest.count >= 3, let value = digits(rest.dropFirst().prefix(2)), value < 60 else { return nil }
            second = value
            rest = rest.dropFirst(3)
        }
        let naive = Int64(date) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        if rest.isEmpty { return (naive, nil) }
        if rest.elementsEqual("Z".utf8) { return (naive, 0) }
        guard rest.count == 6, rest.first == UInt8(ascii: "+") || rest.first == UInt8(ascii: "-"),
              rest[rest.startIndex + 3] == UInt8(ascii: ":"),
              let hours = digits(rest.dropFirst().prefix(2)), let minutes = digits(rest.suffix(2))
        else { return nil }
        let offset = (hours * 3600 + minutes * 60) * (rest.first == UInt8(ascii: "-") ? -1 : 1)
        return (naive, offset)
    }

    private static func digits(_ slice: some Collection<UInt8>) -> Int? {
        guard !slice.isEmpty, slice.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return slice.reduce(0) { $0 * 10 + Int($1 - 48) }
    }

    static func resolve(_ document: WeatherDocument, rule: WeatherTimeInterpretation, source: String) throws -> Resolution {
        var instants = [Date?](repeating: nil, count: document.count)
        var problems: [Int: String] = [:]
        var local: [(index: Int, naive: Int64)] = []
        for (index, time) in document.times.enumerated() {
            switch time {
            case nil:
                if document.rowProblems[index] == nil { problems[index] = "has no time" }
            case let .unixSeconds(seconds)?:
                instants[index] = Date(timeIntervalSince1970: seconds)
            case let .text(label)?:
                guard let parsed = parse(label) else {
                    problems[index] = "time \(label.debugDescription) is not an ISO 8601 local time such as 2024-01-01T00:00"
                    continue
                }
                if let offset = parsed.offset {
                    instants[index] = Date(timeIntervalSince1970: Double(parsed.naive - Int64(offset)))
                } else {
                    local.append((index, parsed.naive))
                }
            }
        }
        guard !local.isEmpty else { return Resolution(instants: instants, problems: problems, interpretation: nil) }

        let fixed = local.map { Int64?($0.naive - Int64(document.utcOffsetSeconds)) }
        var chosen = rule == .automatic ? WeatherTimeInterpretation.fixedOffset : rule
        var wall: [Int64?] = []
        // A regular fixed-offset series cannot be bettered, so the common case skips the zone lookups.
        let fixedIsRegular = rule == .automatic && irregularity(fixed) == 0
        if rule != .fixedOffset, !fixedIsRegular {
            let zoneName = document.timezone ?? "GMT"
            guard let zone = TimeZone(identifier: zoneName) else {
                if rule == .wallClock { throw WeatherLoadError.unknownTimeZone(source: source, zone: zoneName) }
                return finish(fixed, local, &instants, problems, .fixedOffset)
            }
            wall = wallClock(local.map(\.naive), zone: zone)
            if rule == .automatic, irregularity(wall) < irregularity(fixed) { chosen = .wallClock }
        }
        if chosen == .wallClock {
            for (position, entry) in local.enumerated() where wall[position] == nil {
                problems[entry.index] = "local time does not exist in \(document.timezone ?? "GMT") (the clocks skip it)"
            }
            return finish(wall, local, &instants, problems, .wallClock)
        }
        return finish(fixed, local, &instants, problems, .fixedOffset)
    }

    private static func finish(_ seconds: [Int64?], _ local: [(index: Int, naive: Int64)], _ instants: inout [Date?],
                               _ problems: [Int: String], _ rule: WeatherTimeInterpretation) -> Resolution {
        for (position, entry) in local.enumerated() {
            instants[entry.index] = seconds[position].map { Date(timeIntervalSince1970: Double($0)) }
        }
        return Resolution(instants: instants, problems: problems, interpretation: rule)
    }

    /// Wall-clock labels to UTC seconds; a label the zone repeats resolves to its earlier instant
    /// the first time it is seen and the later one the second time; a skipped label to nil.
    static func wallClock(_ labels: [Int64], zone: TimeZone) -> [Int64?] {
        var seen: [Int64: Int] = [:]
        return labels.map { naive in
            let around = [-86_400, 0, 86_400].map { zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(naive + Int64($0)))) }
            let candidates = Set(around).map { naive - Int64($0) }
                .filter { zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double($0))) == Int(naive - $0) }
                .sorted()
            guard !candidates.isEmpty else { return nil }
            let occurrence = seen[naive, default: 0]
            seen[naive] = occurrence + 1
            return candidates[min(occurrence, candidates.count - 1)]
        }
    }

    /// How far a series is from regular hours: steps other than one hour, plus missing instants.
    static func irregularity(_ seconds: [Int64?]) -> Int {
        var count = seconds.filter { $0 == nil }.count
        let present = seconds.compactMap { $0 }
        for (a, b) in zip(present, present.dropFirst()) where b - a != 3600 { count += 1 }
        return count
    }
}

/// `YYYY-MM-DD` bytes to a day number, without allocating.
enum LocalDateParser {
    static func date(_ bytes: ArraySlice<UInt8>) -> Int? {
        let b = Array(bytes)
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            let part = b[range]
            guard part.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
            return part.reduce(0) { $0 * 10 + Int($1 - 48) }
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10) else { return nil }
        return LocalDate(year: year, month: month, day: day)?.dayNumber
    }
}
