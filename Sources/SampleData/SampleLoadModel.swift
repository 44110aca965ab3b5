import Foundation

/// What drives one hour of load: the calendar and the weather of that hour.
struct LoadDrivers {
    /// Local wall-clock hour, 0-23.
    var hour: Int
    /// Weekends and observed holidays use the weekend shape.
    var isWorkday: Bool
    var isHoliday: Bool
    /// Day of year, 1-366 (annual seasonality beyond temperature: lighting, school terms).
    var dayOfYear: Int
    /// Building temperature proxy: outdoor temperature smoothed over the previous day, degrees C.
    var thermalTemperature: Double
    /// Global horizontal irradiance over the hour, W/m2 (clouds included).
    var irradiance: Double
}

/// Per-meter consumption and rooftop-solar exchange of a load profile.
///
/// Consumption = base x hourly shape (workday or weekend/holiday) x annual factor x (1 + cooling
/// degree response + heating degree response), the responses weighted towards the hours people or
/// businesses use air conditioning and heating. A solar meter also produces PV = capacity x GHI /
/// 1000 x performance ratio; its imports (loadlal) and exports (genlal) are the positive and negative
/// parts of consumption - PV, smoothed for the diversity of many meters, so imports - exports =
/// consumption - PV exactly and the aggregate shows the duck curve.
struct SampleProfileModel {
    let base: Double              // kWh per meter-hour at shape 1
    let workday: [Double]
    let weekend: [Double]
    let holidayFactor: Double     // extra factor on holidays (commercial closures)
    let cooling: Double           // fraction per cooling degree (above 18.5 C, the coast standing in for inland heat)
    let heating: Double           // fraction per heating degree (below 14.5 C)
    let coolingCentre: Double, coolingWidth: Double
    let heatingCentre: Double, heatingWidth: Double
    let pvKilowatts: Double       // per solar meter
    let solarConsumption: Double  // solar customers' consumption relative to others

    static func model(for profile: SampleProfile) -> SampleProfileModel {
        switch profile {
        case .residential: return residential
        case .mediumCommercial: return mediumCommercial
        case .smallCommercial: return smallCommercial
        }
    }

    static let residential = SampleProfileModel(
        base: 0.56,
        workday: [0.62, 0.55, 0.52, 0.50, 0.52, 0.62, 0.85, 1.00, 0.95, 0.85, 0.80, 0.78,
                  0.78, 0.78, 0.80, 0.88, 1.02, 1.25, 1.42, 1.48, 1.42, 1.28, 1.05, 0.80],
        weekend: [0.66, 0.58, 0.54, 0.52, 0.52, 0.55, 0.65, 0.82, 0.98, 1.02, 0.98, 0.95,
                  0.92, 0.90, 0.90, 0.95, 1.05, 1.25, 1.42, 1.46, 1.40, 1.28, 1.08, 0.82],
        holidayFactor: 1.03, cooling: 0.09, heating: 0.035,
        coolingCentre: 17, coolingWidth: 4.5, heatingCentre: 19, heatingWidth: 5,
        pvKilowatts: 6.2, solarConsumption: 1.15)

    static let smallCommercial = SampleProfileModel(
        base: 2.2,
        workday: [0.45, 0.43, 0.42, 0.42, 0.45, 0.55, 0.75, 1.05, 1.30, 1.40, 1.45, 1.47,
                  1.45, 1.45, 1.43, 1.38, 1.28, 1.10, 0.90, 0.75, 0.65, 0.58, 0.52, 0.48],
        weekend: [0.45, 0.43, 0.42, 0.42, 0.43, 0.46, 0.52, 0.60, 0.70, 0.78, 0.82, 0.84,
                  0.84, 0.83, 0.80, 0.76, 0.70, 0.64, 0.60, 0.56, 0.52, 0.50, 0.48, 0.46],
        holidayFactor: 0.92, cooling: 0.055, heating: 0.02,
        coolingCentre: 14, coolingWidth: 5, heatingCentre: 9, heatingWidth: 4,
        pvKilowatts: 14, solarConsumption: 1.0)

    static let mediumCommercial = SampleProfileModel(
        base: 28,
        workday: [0.55, 0.53, 0.52, 0.52, 0.55, 0.65, 0.85, 1.10, 1.28, 1.35, 1.38, 1.40,
                  1.38, 1.38, 1.36, 1.32, 1.22, 1.05, 0.90, 0.78, 0.70, 0.64, 0.60, 0.57],
        weekend: [0.55, 0.54, 0.53, 0.53, 0.54, 0.56, 0.60, 0.66, 0.72, 0.76, 0.78, 0.79,
                  0.79, 0.78, 0.76, 0.74, 0.70, 0.67, 0.64, 0.61, 0.59, 0.57, 0.56, 0.55],
        holidayFactor: 0.95, cooling: 0.06, heating: 0.015,
        coolingCentre: 14, coolingWidth: 5, heatingCentre: 9, heatingWidth: 4,
        pvKilowatts: 120, solarConsumption: 1.0)

    /// Expected consumption of one meter in the hour, kWh.
    func consumption(_ drivers: LoadDrivers, solar: Bool) -> Double {
        let hour = min(max(drivers.hour, 0), 23)
        var shape = drivers.isWorkday ? workday[hour] : weekend[hour]
        if drivers.isHoliday { shape *= holidayFactor }
        // Lighting and indoor activity peak in winter, a few percent beyond the temperature effect.
        let annual = 1 + 0.04 * cos(2 * Double.pi * Double(drivers.dayOfYear - 355) / 365.25)
        let coolingDegrees = max(0, drivers.thermalTemperature - 18.5)
        let heatingDegrees = max(0, 14.5 - drivers.thermalTemperature)
        let h = Double(hour)
        let coolingWeight = 0.35 + 0.65 * exp(-pow((h - coolingCentre) / coolingWidth, 2))
        let heatingWeight = 0.45 + 0.55 * exp(-pow((h - heatingCentre) / heatingWidth, 2))
        let weather = 1 + cooling * coolingDegrees * coolingWeight + heating * heatingDegrees * heatingWeight
        return base * shape * annual * weather * (solar ? solarConsumption : 1)
    }

    /// Imports and exports of one solar meter in the hour, kWh, for a given consumption.
    func exchange(consumption: Double, irradiance: Double) -> (imports: Double, exports: Double) {
        let production = pvKilowatts * max(irradiance, 0) / 1000 * 0.78
        let net = consumption - production
        // Softplus with a width set by the spread of system sizes: while the sun shines some meters import
        // as others export; at night there is nothing to export.
        let width = 0.35 * production + 1e-9
        let imports = width * softplus(net / width)
        return (imports, imports - net)
    }

    private func softplus(_ x: Double) -> Double {
        x > 30 ? x : log1p(exp(x))
    }
}
