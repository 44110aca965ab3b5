import Features
import Foundation

/// Why sample generation stopped.
public enum SampleDataError: Error, Sendable, CustomStringConvertible {
    case invalidRange(start: LocalDate, end: LocalDate)
    case cannotWrite(path: String)

    public var description: String {
        switch self {
        case let .invalidRange(start, end):
            return "The sample period \(start) to \(end) is empty; the start must not be after the end."
        case let .cannotWrite(path):
            return "Cannot create \(path); check that the directory exists and is writable."
        }
    }
}

/// The files a generator wrote and how many rows each holds.
public struct SampleOutput: Sendable, Equatable {
    public let directory: URL
    /// SQMD CSV of Initial submissions (trade dates at least 14 days before the end).
    public let sqmdInitial: URL
    /// SQMD CSV of Final submissions (trade dates at least 48 days before the end).
    public let sqmdFinal: URL
    /// Hourly weather as an Open-Meteo Historical Weather API response.
    public let weather: URL
    /// Forecast vintages (one and two days ahead) as an Open-Meteo Previous Runs API response.
    public let weatherForecasts: URL
    public let initialRows: Int
    public let finalRows: Int
    public let weatherHours: Int

    /// The SQMD files in the order to load them.
    public var sqmdFiles: [URL] { [sqmdInitial, sqmdFinal] }
    public var sqmdRows: Int { initialRows + finalRows }
}

/// Deterministic synthetic SQMD and weather for the default six series, in the loaders' file formats.
///
/// Every trade date gets every local hour (23 on the spring-forward day, 25 on the fall-back day with
/// `dst_fold` = 1 on the repeated hour) for each rate group of `SampleCatalog`. Load follows daily and
/// weekly shapes, annual seasonality, cooling and heating degrees, holidays (`Features.HolidayCalendar`,
/// commercial load lower), and for solar groups rooftop PV driven by the same clear-sky irradiance
/// and cloud cover as the weather file. Submissions mimic publication delays relative to `end` (the
/// sample's "today"): a trade date `d` has an Initial row when `end - d >= 14` days and also a Final
/// row (slightly restated: late meter reads, small corrections) when `end - d >= 48` days. Each row says
/// when it arrived (`available_at`: 06:00 local on d + 14 or d + 48), so backtests can replay what
/// was known on any past day.
///
/// Same seed, same period: byte-identical files. Values of a (day, rate group) come from a random
/// stream keyed by the day and the group, and meter counts follow calendar dates, so changing `end`
/// changes which rows appear, not their values (the weather, a persistent process, runs from `start`).
public struct SampleGenerator: Sendable {
    public var seed: UInt64
    public var start: LocalDate
    public var end: LocalDate
    public var location: GeoLocation
    public var clock: LocalClock
    public var holidays: HolidayCalendar
    public var rateGroups: [SampleRateGroup]

    public static let initialDelayDays = 14
    public static let finalDelayDays = 48
    public static let defaultEnd = LocalDate(year: 2024, month: 12, day: 31)!
    public static let sqmdHeader =
        "tradedatelocal,tradehourstartlocal,loadprofile,rategroup,loadlal,genlal,metercount,submission,dst_fold,available_at"
    /// Local time of day a submission's file arrives (Initial on trade date + 14 days, Final on + 48).
    public static let arrivalHour = 6

    public init(seed: UInt64, start: LocalDate, end: LocalDate, location: GeoLocation = .sanDiego,
                clock: LocalClock = .losAngeles, holidays: HolidayCalendar = HolidayCalendar(),
                rateGroups: [SampleRateGroup] = SampleCatalog.rateGroups) {
        self.seed = seed
        self.start = start
        self.end = end
        self.location = location
        self.clock = clock
        self.holidays = holidays
        self.rateGroups = rateGroups
    }

    /// Three years ending on `end` (by default 2022-01-01 through 2024-12-31).
    public static func threeYears(seed: UInt64 = 42, endingOn end: LocalDate = defaultEnd) -> SampleGenerator {
        let start = LocalDate(year: end.year - 3, month: end.month, day: end.day).map { $0.adding(days: 1) }
            ?? LocalDate(year: end.year - 3, month: 3, day: 1) ?? end   // February 29: start on March 1
        return SampleGenerator(seed: seed, start: start, end: end)
    }

    /// Writes `sqmd_initial.csv`, `sqmd_final.csv` and `weather_open_meteo.json` into `directory`
    /// (created if missing), streaming rows to disk.
    public func write(to directory: URL) throws -> SampleOutput {
        guard start <= end else { throw SampleDataError.invalidRange(start: start, end: end) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let days = end.days(since: start) + 1
        let gridStart = clock.startOfDay(start)
        let weather = SampleWeather.generate(seed: seed, gridStart: gridStart, hours: days * 24 + 3,
                                             location: location, model: .sanDiego)
        let weatherURL = directory.appendingPathComponent("weather_open_meteo.json")
        let weatherHours = try OpenMeteoWriter.write(weather, hours: days * 24, location: location,
                                                     timeZone: clock.timeZone, to: weatherURL)
        let forecastURL = directory.appendingPathComponent("weather_forecast_previous_runs.json")
        _ = try OpenMeteoWriter.write(SampleForecastVintages.columns(weather, seed: seed), gridStart: weather.gridStart,
                                      hours: days * 24, location: location, timeZone: clock.timeZone, to: forecastURL)
        let initialURL = directory.appendingPathComponent("sqmd_initial.csv")
        let finalURL = directory.appendingPathComponent("sqmd_final.csv")
        let counts = try writeSQMD(weather: weather, days: days, initial: initialURL, final: finalURL)
        return SampleOutput(directory: directory, sqmdInitial: initialURL, sqmdFinal: finalURL, weather: weatherURL,
                            weatherForecasts: forecastURL,
                            initialRows: counts.initial, finalRows: counts.final, weatherHours: weatherHours)
    }

    /// Per (day, rate group): meters and a day-level noise factor, then one row per hour.
    private func writeSQMD(weather: SampleWeather, days: Int, initial: URL, final: URL) throws -> (initial: Int, final: Int) {
        let initialSink = try ByteSink(url: initial)
        let finalSink = try ByteSink(url: final)
        initialSink.write(Self.sqmdHeader + "\n")
        finalSink.write(Self.sqmdHeader + "\n")
        let holidayDates = Set(holidays.observedDates(from: start, through: end))
        let models = rateGroups.map { SampleProfileModel.model(for: $0.profile) }
        let prefixes = rateGroups.map { Array("\($0.profile.rawValue),\($0.rateGroup),".utf8) }
        // Building temperature: outdoor temperature smoothed over roughly the previous day.
        var thermal = weather.temperature
        for k in 1..<thermal.count { thermal[k] = 0.9 * thermal[k - 1] + 0.1 * weather.temperature[k] }

        var rows = (initial: 0, final: 0)
        for dayIndex in 0..<days {
            let date = start.adding(days: dayIndex)
            let age = end.days(since: date)
            let emitInitial = age >= Self.initialDelayDays, emitFinal = age >= Self.finalDelayDays
            guard emitInitial else { continue }
            let isHoliday = holidayDates.contains(date)
            let isWorkday = !date.isWeekend && !isHoliday
            let dateBytes = Array("\(date),".utf8)
            let arrivals = (initial: arrival(date, afterDays: Self.initialDelayDays), final: arrival(date, afterDays: Self.finalDelayDays))
            var streams: [SplitMix64] = []
            var meters: [Int?] = []
            var dayFactor: [Double] = []
            for (index, group) in rateGroups.enumerated() {
                var stream = SplitMix64(seed: seed, keys: UInt64(bitPattern: Int64(date.dayNumber)), UInt64(index + 1))
                let trend = group.meters(on: date)
                dayFactor.append(1 + 0.015 * stream.normal())
                let jitter = stream.normal(), small = stream.uniform()
                meters.append(trend.map { value in
                    value < 50 ? max(0, Int(value.rounded()) + Int(small * 3) - 1)
                        : max(0, Int((value * (1 + 0.0004 * jitter)).rounded()))
                })
                streams.append(stream)
            }
            for localHour in clock.hours(of: date) {
                let k = weather.index(of: localHour.start)
                let drivers = LoadDrivers(hour: localHour.hour, isWorkday: isWorkday, isHoliday: isHoliday,
                                          dayOfYear: date.dayOfYear, thermalTemperature: thermal[k],
                                          irradiance: weather.shortwaveRadiation[k + 1])
                for index in rateGroups.indices {
                    guard let count = meters[index] else { continue }
                    let group = rateGroups[index]
                    let sigma = 0.01 + 0.25 / Double(max(count, 1)).squareRoot()
                    let noise = dayFactor[index] * (1 + sigma * streams[index].normal())
                    let consumption = models[index].consumption(drivers, solar: group.isSolar) * max(noise, 0.05)
                    let flows = group.isSolar
                        ? models[index].exchange(consumption: consumption, irradiance: drivers.irradiance)
                        : (imports: consumption, exports: 0)
                    let missingDraw = streams[index].uniform()
                    let missing = count >= 50 ? Int(Double(count) * 0.003 * missingDraw) : (missingDraw < 0.04 ? 1 : 0)
                    let initialCount = max(0, count - missing)
                    let initialScale = count > 0 ? Double(initialCount) / Double(count) : 0
                    let initialError = 1 + 0.006 * streams[index].normal()
                    let finalError = 1 + 0.0015 * streams[index].normal()
                    let load = flows.imports * Double(count), generation = flows.exports * Double(count)
                    let rowStart = (dateBytes, localHour, prefixes[index])
                    writeRow(initialSink, rowStart, load * initialScale * initialError,
                             generation * initialScale * initialError, initialCount, "Initial", arrivals.initial)
                    rows.initial += 1
                    if emitFinal {
                        writeRow(finalSink, rowStart, load * finalError, generation * finalError, count, "Final", arrivals.final)
                        rows.final += 1
                    }
                }
                try initialSink.flushIfNeeded()
                try finalSink.flushIfNeeded()
            }
        }
        try initialSink.close()
        try finalSink.close()
        return rows
    }

    /// `,YYYY-MM-DDTHH:MM:SSZ` of 06:00 local on `date + days` (the field, with its comma, as bytes).
    private func arrival(_ date: LocalDate, afterDays days: Int) -> [UInt8] {
        let instant = clock.startOfDay(date.adding(days: days)).addingTimeInterval(Double(Self.arrivalHour) * 3600)
        let seconds = Int(instant.timeIntervalSince1970.rounded())
        let day = LocalDate(dayNumber: Int((Double(seconds) / 86_400).rounded(.down)))
        let second = seconds - day.dayNumber * 86_400
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return Array(",\(day)T\(two(second / 3600)):\(two(second % 3600 / 60)):00Z".utf8)
    }

    private func writeRow(_ sink: ByteSink, _ key: ([UInt8], LocalHour, [UInt8]), _ load: Double,
                          _ generation: Double, _ meters: Int, _ submission: String, _ arrival: [UInt8]) {
        sink.write(key.0)
        sink.write(key.1.hour)
        sink.write(byte: 44)
        sink.write(key.2)
        sink.write(load, decimals: 3)
        sink.write(byte: 44)
        sink.write(generation, decimals: 3)
        sink.write(byte: 44)
        sink.write(meters)
        sink.write(submission == "Final" ? ",Final," : ",Initial,")
        sink.write(key.1.fold)
        sink.write(arrival)
        sink.write(byte: 10)
    }
}
