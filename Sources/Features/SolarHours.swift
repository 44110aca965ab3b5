import Foundation

/// Sun position and clear-sky irradiance of one local hour.
public struct SolarHour: Hashable, Sendable, Codable {
    public let localHour: LocalHour
    /// The instant evaluated: the middle of the hour.
    public let instant: Date
    public let position: SolarPosition
    public let clearSky: ClearSkyIrradiance
}

/// Hourly solar features for a location and time zone.
///
/// Each hour is evaluated at its midpoint (start + 30 min): load and weather rows are
/// labelled by hour start and describe the whole hour, and the midpoint is the single
/// instant closest to the hour's average sun (the error grows only in the sunrise and sunset
/// hours, where a midpoint below the horizon yields 0 irradiance). Note that Open-Meteo's
/// radiation variables are means over the *preceding* hour, so an Open-Meteo row stamped
/// 13:00 lines up with the hour starting 12:00 here.
public struct SolarFeatures: Sendable {
    public var location: GeoLocation
    public var clock: LocalClock
    public var model: ClearSkyModel

    public init(location: GeoLocation = .sanDiego, clock: LocalClock = .losAngeles,
                model: ClearSkyModel = .sanDiego) {
        self.location = location
        self.clock = clock
        self.model = model
    }

    /// The solar features of every hour of a local day (23, 24 or 25 entries).
    public func hours(of date: LocalDate) -> [SolarHour] {
        clock.hours(of: date).map(hour)
    }

    /// The solar features of one local hour, evaluated at its midpoint.
    public func hour(_ localHour: LocalHour) -> SolarHour {
        let instant = localHour.midpoint
        let position = SolarPosition(at: instant, location: location)
        return SolarHour(localHour: localHour, instant: instant, position: position,
                         clearSky: model.irradiance(at: instant, position: position, location: location))
    }
}
