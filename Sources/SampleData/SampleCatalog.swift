import Features

/// A load profile of the sample: its size per meter, daily shapes and weather response.
public enum SampleProfile: String, CaseIterable, Sendable {
    case residential = "RES"
    case mediumCommercial = "MEDCI"
    case smallCommercial = "SMLCOM"
}

/// One rate group of the sample: which profile and segment it belongs to and how its meter count
/// moves over calendar time (anchored to dates, not to the generated period, so a day's values do not
/// depend on the period it was generated in).
public struct SampleRateGroup: Sendable, Hashable {
    public let profile: SampleProfile
    public let rateGroup: String
    /// SOLAR rate groups are named NEM... or SBP..., matching `load_segment_of` in the warehouse.
    public var isSolar: Bool { rateGroup.hasPrefix("NEM") || rateGroup.hasPrefix("SBP") }
    /// Meters on 2022-01-01, or on the introduction day of a group introduced later.
    public let initialMeters: Double
    /// Meters gained (negative: lost) per year; for a group introduced later, the growth after
    /// `t` years is `growthPerYear * t^1.5` (slow at first, then faster, as a new tariff fills).
    public let growthPerYear: Double
    /// The first day with meters; nil for groups that exist on every day.
    public let introduced: LocalDate?

    public static let reference = LocalDate(year: 2022, month: 1, day: 1)!

    public init(profile: SampleProfile, rateGroup: String, initialMeters: Double, growthPerYear: Double,
                introduced: LocalDate? = nil) {
        self.profile = profile
        self.rateGroup = rateGroup
        self.initialMeters = initialMeters
        self.growthPerYear = growthPerYear
        self.introduced = introduced
    }

    /// Expected meter count on `date` (never negative), nil before the group exists.
    public func meters(on date: LocalDate) -> Double? {
        if let introduced {
            guard date >= introduced else { return nil }
            let years = Double(date.days(since: introduced)) / 365.25
            return max(0, initialMeters + growthPerYear * years * years.squareRoot())
        }
        return max(0, initialMeters + growthPerYear * Double(date.days(since: Self.reference)) / 365.25)
    }
}

/// The sample's rate groups: 16 groups across the 6 default series. NEM1 is closed and shrinking,
/// NEM2 grows, SBP (the successor tariff) appears on 2023-04-15 with a handful of meters; GS-1 is a
/// tiny legacy group that drops below the 10-meter threshold.
public enum SampleCatalog {
    static func group(_ profile: SampleProfile, _ name: String, _ meters: Double, _ growth: Double,
                      introduced: String? = nil) -> SampleRateGroup {
        SampleRateGroup(profile: profile, rateGroup: name, initialMeters: meters, growthPerYear: growth,
                        introduced: introduced.flatMap { LocalDate($0) })
    }

    public static let rateGroups: [SampleRateGroup] = [
        group(.residential, "NEM1", 90_000, -2_700),
        group(.residential, "NEM2", 140_000, 18_000),
        group(.residential, "SBP", 3, 14_000, introduced: "2023-04-15"),
        group(.residential, "DR", 600_000, -5_300),
        group(.residential, "TOU-DR", 250_000, 7_300),
        group(.residential, "DR-LI", 120_000, 300),
        group(.mediumCommercial, "NEM2-AL-TOU", 300, 43),
        group(.mediumCommercial, "NEM1-AL-TOU", 150, -4),
        group(.mediumCommercial, "AL-TOU", 5_200, -20),
        group(.mediumCommercial, "AL-TOU2", 800, 53),
        group(.mediumCommercial, "DG-R", 120, 4),
        group(.smallCommercial, "NEM2-TOU-A", 2_500, 280),
        group(.smallCommercial, "SBP-TOU-A", 4, 25, introduced: "2023-06-01"),
        group(.smallCommercial, "TOU-A", 60_000, -270),
        group(.smallCommercial, "TOU-A2", 9_000, 660),
        group(.smallCommercial, "GS-1", 14, -2.4),
    ]
}
