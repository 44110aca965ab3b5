import Foundation

/// Forecast vintages of the sample weather: what a weather model would have predicted one and two
/// days ahead, as the Open-Meteo Previous Runs API serves them (`temperature_2m_previous_day1` is the
/// forecast for that hour as it stood 24 hours earlier). Errors grow with lead time and persist from
/// hour to hour (AR(1)), as real forecast errors do: temperature about 1.1 degC one day ahead and 1.7
/// two days ahead, cloud cover 10-16 points with radiation following the cloud error, humidity and
/// wind with proportional errors. A backtest on the sample therefore pays for forecast weather, as
/// a live forecast does.
enum SampleForecastVintages {
    static let leads = [1, 2]

    /// The sample weather as forecast `lead` days ahead of each hour.
    static func forecast(_ observed: SampleWeather, lead: Int, seed: UInt64) -> SampleWeather {
        var random = SplitMix64(seed: seed, keys: 0xF0CA57, UInt64(lead))
        let scale = lead == 1 ? 1.0 : 1.55
        var forecast = observed
        var temperatureError = 0.0, cloudError = 0.0, humidityError = 0.0, windError = 0.0
        let persistence = 0.97, innovation = (1 - persistence * persistence).squareRoot()
        for k in 0..<observed.count {
            temperatureError = persistence * temperatureError + innovation * 1.1 * scale * random.normal()
            cloudError = persistence * cloudError + innovation * 10 * scale * random.normal()
            humidityError = persistence * humidityError + innovation * 5 * scale * random.normal()
            windError = persistence * windError + innovation * 0.15 * scale * random.normal()
            forecast.temperature[k] = observed.temperature[k] + temperatureError
            forecast.apparentTemperature[k] = observed.apparentTemperature[k] + 1.1 * temperatureError
            let cloud = min(100, max(0, observed.cloudCover[k] + cloudError))
            forecast.cloudCover[k] = cloud
            // More cloud than observed dims the sun, less brightens it (bounded, never negative).
            let factor = min(1.4, max(0.2, 1 - 0.0075 * (cloud - observed.cloudCover[k])))
            forecast.shortwaveRadiation[k] = min(1500, observed.shortwaveRadiation[k] * factor)
            forecast.directRadiation[k] = min(1500, observed.directRadiation[k] * factor)
            forecast.diffuseRadiation[k] = min(1500, observed.diffuseRadiation[k] * (0.5 + 0.5 * factor))
            forecast.relativeHumidity[k] = min(100, max(0, observed.relativeHumidity[k] + humidityError))
            forecast.windSpeed[k] = max(0, observed.windSpeed[k] * (1 + windError))
        }
        return forecast
    }

    /// The columns of a Previous Runs response: every variable once per lead, suffixed `_previous_dayN`.
    static func columns(_ observed: SampleWeather, seed: UInt64) -> [OpenMeteoWriter.Column] {
        leads.flatMap { lead -> [OpenMeteoWriter.Column] in
            let forecast = Self.forecast(observed, lead: lead, seed: seed)
            return OpenMeteoWriter.columns(forecast).map { column in
                OpenMeteoWriter.Column(name: "\(column.name)_previous_day\(lead)", unit: column.unit,
                                       decimals: column.decimals, values: column.values)
            }
        }
    }
}
