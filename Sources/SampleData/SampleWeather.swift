import Features
import Foundation

/// Hourly synthetic weather for a coastal Southern California location, on a grid of UTC hours.
///
/// Temperature = seasonal mean (coolest in February, warmest in late August) + a persistent
/// day-to-day anomaly (AR(1)) + a diurnal cycle peaking mid-afternoon solar time and damped by cloud,
/// plus Santa Ana events (hot, dry and windy, autumn and early winter). Cloud cover comes from a
/// persistent daily cloudiness (more in winter, least in late summer) plus the May-August morning
/// marine layer. Radiation is the Ineichen clear-sky irradiance (`Features.ClearSkyModel`) reduced by
/// cloud (Kasten-Czeplak), as a mean over the hour *before* each timestamp, like Open-Meteo's.
struct SampleWeather {
    /// The first grid instant; index k is `gridStart + k hours`.
    let gridStart: Date
    let count: Int
    var temperature: [Double]
    var apparentTemperature: [Double]
    var cloudCover: [Double]
    var directRadiation: [Double]
    var diffuseRadiation: [Double]
    var shortwaveRadiation: [Double]
    var windSpeed: [Double]
    var relativeHumidity: [Double]
    var isDay: [Int]

    func index(of instant: Date) -> Int {
        Int((instant.timeIntervalSince(gridStart) / 3600).rounded())
    }

    static func generate(seed: UInt64, gridStart: Date, hours: Int, location: GeoLocation,
                         model: ClearSkyModel) -> SampleWeather {
        // Separate streams for the daily and the hourly draws, so a longer period leaves earlier hours unchanged.
        var daily = SplitMix64(seed: seed, keys: 0x57EA7E4, 1)
        var random = SplitMix64(seed: seed, keys: 0x57EA7E4, 2)
        let days = hours / 24 + 3
        var temperatureAnomaly = [Double](repeating: 0, count: days)
        var cloudiness = [Double](repeating: 0, count: days)
        var santaAna = [Double](repeating: 0, count: days)
        let firstDay = Int((gridStart.timeIntervalSince1970 / 86_400).rounded(.down))
        var eventDaysLeft = 0
        for day in 0..<days {
            let previous = day > 0 ? day - 1 : 0
            temperatureAnomaly[day] = 0.75 * temperatureAnomaly[previous] + 1.5 * daily.normal()
            cloudiness[day] = 0.65 * cloudiness[previous] + 0.9 * daily.normal()
            let month = LocalDate(dayNumber: firstDay + day).month
            let draw = daily.uniform(), length = daily.uniform()
            if eventDaysLeft > 0 {
                eventDaysLeft -= 1
                santaAna[day] = 1
            } else if [9, 10, 11, 12, 1].contains(month), draw < 0.03 {
                eventDaysLeft = 1 + Int(length * 3)
                santaAna[day] = 1
            }
        }

        var weather = SampleWeather(gridStart: gridStart, count: hours, temperature: [], apparentTemperature: [],
                                    cloudCover: [], directRadiation: [], diffuseRadiation: [], shortwaveRadiation: [],
                                    windSpeed: [], relativeHumidity: [], isDay: [])
        for k in 0..<hours {
            let instant = gridStart.addingTimeInterval(Double(k) * 3600)
            let seconds = instant.timeIntervalSince1970
            let dayPosition = seconds / 86_400 - Double(firstDay)
            let day = min(max(Int(dayPosition.rounded(.down)), 0), days - 2)
            let fraction = dayPosition - Double(day)
            func interpolated(_ values: [Double]) -> Double { values[day] * (1 - fraction) + values[day + 1] * fraction }
            let solarHour = (seconds / 3600 + location.longitude / 15).truncatingRemainder(dividingBy: 24)
            let standardDate = LocalDate(dayNumber: Int(((seconds - 8 * 3600) / 86_400).rounded(.down)))
            let yearAngle = 2 * Double.pi * Double(standardDate.dayOfYear) / 365.25
            let month = standardDate.month

            let seasonal = 18.2 + 4.0 * cos(yearAngle - 2 * Double.pi * 228 / 365.25)
            let anomaly = interpolated(temperatureAnomaly)
            let event = interpolated(santaAna)
            let baseCloud = (month == 12 || month <= 3) ? 0.3 : ((7...9).contains(month) ? -0.8 : 0)
            var cloud = 1 / (1 + exp(-1.6 * (interpolated(cloudiness) - 0.4 + baseCloud)))
            if (5...8).contains(month) {
                let morning = max(0, cos(2 * Double.pi * (solarHour - 6) / 24))
                cloud += (month == 5 || month == 6 ? 0.45 : 0.25) * morning * morning
            }
            cloud = min(max(100 * cloud * (1 - 0.8 * event) + 6 * random.normal(), 0), 100).rounded()
            let amplitude = 3.2 + 1.2 * cos(yearAngle - 2 * Double.pi * 300 / 365.25)
            let diurnal = amplitude * cos(2 * Double.pi * (solarHour - 14.5) / 24) * (1 - 0.45 * cloud / 100)
            let afternoon = max(0, cos(2 * Double.pi * (solarHour - 14) / 24))
            let temperature = seasonal + anomaly + diurnal + event * (6 + 3 * afternoon) + 0.3 * random.normal()
            let humidity = min(max(72 + 8 * cloud / 100 - 2.4 * (temperature - seasonal - anomaly) - 45 * event
                                   + 3 * random.normal(), 8), 100).rounded()
            let seaBreeze = max(0, cos(2 * Double.pi * (solarHour - 15) / 24))
            let wind = max(0, 7 + 7 * seaBreeze + 22 * event + (cloud > 80 ? 6 : 0) + 2.5 * random.normal())

            // Radiation: mean of the preceding hour, evaluated at its midpoint.
            let midpoint = instant.addingTimeInterval(-1800)
            let position = SolarPosition(at: midpoint, location: location)
            let clear = model.irradiance(at: midpoint, position: position, location: location)
            let c = cloud / 100
            let ghi = clear.ghi * (1 - 0.75 * pow(c, 3.4))
            let direct = min(ghi, clear.dni * max(cos(position.zenith * Double.pi / 180), 0) * pow(1 - c, 1.8))

            weather.temperature.append(temperature)
            weather.apparentTemperature.append(apparent(temperature: temperature, humidity: humidity, windKmh: wind))
            weather.cloudCover.append(cloud)
            weather.shortwaveRadiation.append(ghi)
            weather.directRadiation.append(direct)
            weather.diffuseRadiation.append(ghi - direct)
            weather.windSpeed.append(wind)
            weather.relativeHumidity.append(humidity)
            weather.isDay.append(SolarPosition(at: instant, location: location).elevation > 0 ? 1 : 0)
        }
        return weather
    }

    /// Apparent temperature by the Australian Bureau of Meteorology formula (Steadman 1994), which
    /// uses air temperature, water vapour pressure and wind speed at 10 m.
    static func apparent(temperature t: Double, humidity: Double, windKmh: Double) -> Double {
        let vapourPressure = humidity / 100 * 6.105 * exp(17.27 * t / (237.7 + t))
        return t + 0.33 * vapourPressure - 0.70 * (windKmh / 3.6) - 4.0
    }
}
