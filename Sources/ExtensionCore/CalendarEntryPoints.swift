#if canImport(CalendarCore)
import CalendarCore  // in extension/build, CalendarCore's files are compiled into this module instead
#endif

// The calendar's sun, clear-sky and holiday computations for SQL: the same CalendarCore code that
// `gridcast calendar fill` runs, so gridcast_sun and gridcast_holiday agree with calendar_hourly.

/// Sun position and clear-sky irradiance at an instant (seconds since 1970, UTC), as calendar_hourly
/// has them (the Ineichen-Perez model with the monthly turbidity `calendar fill` uses). Writes six
/// values: apparent zenith, apparent elevation, azimuth (degrees), GHI, DNI, DHI (W/m2).
/// Returns 0, or 1 for a location or instant out of range.
@_cdecl("gridcast_core_sun")
public func gridcastCoreSun(_ seconds: Double, _ latitude: Double, _ longitude: Double, _ elevation: Double,
                            _ out: UnsafeMutablePointer<Double>?) -> Int32 {
    guard let out, seconds.isFinite, abs(seconds) < 1e11,
          let location = GeoLocation(latitude: latitude, longitude: longitude, elevationMeters: elevation) else { return 1 }
    let position = SolarPosition(secondsSince1970: seconds, location: location)
    let sky = ClearSkyModel.sanDiego.irradiance(secondsSince1970: seconds, position: position, location: location)
    let values = [position.zenith, position.elevation, position.azimuth, sky.ghi, sky.dni, sky.dhi]
    for (index, value) in values.enumerated() { out[index] = value }
    return 0
}

/// The holiday observed on a date (days since 1970-01-01), US federal and California, named as in
/// calendar_hourly.holiday_name. Returns 1 and writes the name, or 0 on an ordinary day.
@_cdecl("gridcast_core_holiday")
public func gridcastCoreHoliday(_ dayNumber: Int, _ buffer: UnsafeMutablePointer<CChar>?, _ capacity: Int) -> Int32 {
    guard buffer != nil, capacity > 1, abs(dayNumber) < 400_000 else { return 0 }
    guard let name = HolidayCalendar().observedName(on: LocalDate(dayNumber: dayNumber)) else { return 0 }
    write(name, to: (buffer, capacity))
    return 1
}
