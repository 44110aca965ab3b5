import Foundation
@_exported import CalendarCore

// The calendar, sun and clear-sky computations live in CalendarCore, without Foundation, so the
// PostgreSQL extension compiles the very same code (one implementation for the Swift calendar and
// the SQL functions). These are their Foundation Date entry points.

extension SolarPosition {
    /// The sun's position at `instant` from `location` (see `init(secondsSince1970:location:...)`).
    public init(at instant: Date, location: GeoLocation, pressureHPa: Double? = nil, temperatureCelsius: Double? = nil) {
        self.init(secondsSince1970: instant.timeIntervalSince1970, location: location,
                  pressureHPa: pressureHPa, temperatureCelsius: temperatureCelsius)
    }
}

extension ClearSkyModel {
    /// Clear-sky irradiance at `instant` for a sun at `position` seen from `location`.
    public func irradiance(at instant: Date, position: SolarPosition, location: GeoLocation) -> ClearSkyIrradiance {
        irradiance(secondsSince1970: instant.timeIntervalSince1970, position: position, location: location)
    }
}
