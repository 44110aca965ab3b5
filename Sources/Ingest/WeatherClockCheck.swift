import Foundation

/// Whether a file's hours sit where the sun puts them. A wrong time-zone label (a file fetched for
/// Los Angeles but labelled America/New_York, or GMT labels read as local) converts every row to the
/// wrong instant without any row looking bad, so it would pass every other check. Radiation cannot
/// lie about the clock: averaged over days, it peaks at solar noon, which the location's longitude
/// fixes in UTC (12:00 - longitude / 15, within the equation of time's ±16 minutes).
enum WeatherClockCheck {
    /// Shifts beyond this are refused. Clouds that favour mornings or afternoons (a coastal marine
    /// layer) move the radiation-weighted mean by well under an hour; a wrong zone moves it by whole hours.
    static let toleranceHours = 1.5
    /// Fewer daylight hours than this (about two days) cannot tell a shift from the weather.
    static let minimumDaylightHours = 20

    /// Hours by which the file's radiation-weighted mean time is later than solar noon at `longitude`
    /// (negative: earlier), or nil when the file has too few daylight hours of a radiation variable.
    /// Rows are means over the preceding hour (Open-Meteo), so each counts at its hour's midpoint.
    static func shiftHours(_ set: WeatherRowSet, longitude: Double) -> Double? {
        let preferred: [WeatherVariable] = [.shortwaveRadiation, .directRadiation, .diffuseRadiation]
        guard let column = preferred.lazy.compactMap({ set.variables.firstIndex(of: $0) }).first else { return nil }
        var east = 0.0, north = 0.0, daylight = 0
        for row in set.rows {
            guard let value = row.values[column], value > 0 else { continue }
            let utcHours = row.validAt.timeIntervalSince1970.truncatingRemainder(dividingBy: 86_400) / 3600 - 0.5
            let solarHours = utcHours + longitude / 15
            let angle = solarHours / 24 * 2 * Double.pi
            east += value * cos(angle)
            north += value * sin(angle)
            daylight += 1
        }
        guard daylight >= minimumDaylightHours, east != 0 || north != 0 else { return nil }
        var shift = atan2(north, east) / (2 * Double.pi) * 24 - 12
        while shift > 12 { shift -= 24 }
        while shift <= -12 { shift += 24 }
        return shift
    }
}
