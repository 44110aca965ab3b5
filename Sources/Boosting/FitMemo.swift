/// The fits of one series' training on its final windows (training and validation), remembered by what
/// determines them: parameters, seed, patience, feature columns and rows. A search whose newest fold is
/// exactly those windows (`--folds 1` with fold days equal to validation days) makes the fits the final
/// model and the feature-selection probe would make again with the same seed; they are taken from here
/// instead, the same boosters bit for bit. Fits on other windows pass through unremembered.
///
/// One series' training owns it (not shared across threads), with the same thread count for every fit:
/// XGBoost's histograms sum in thread order, so another thread count could split differently.
public final class FitMemo {
    struct Key: Hashable {
        let parameters: BoostParameters
        let seed: UInt64
        let patience: Int
        let features: [String]
    }

    public let train: Range<Int>
    public let validation: Range<Int>
    /// At most this many fits are kept, the lowest validation RMSE first: the final fit uses the search's
    /// best few (an ensemble has up to three members) and the probe is fit before the search.
    public let capacity: Int
    private var fits: [Key: FittedModel] = [:]
    /// Fits taken from here instead of made.
    public private(set) var reused = 0

    public init(train: Range<Int>, validation: Range<Int>, capacity: Int = 4) {
        self.train = train
        self.validation = validation
        self.capacity = max(1, capacity)
    }

    /// The fit of `parameters` with `seed` on rows `train`, stopped early on rows `validation`: remembered
    /// when those are this memo's windows, else made by `make` and not kept.
    public func fit(_ parameters: BoostParameters, seed: UInt64, patience: Int, features: [String], train: Range<Int>,
                    validation: Range<Int>, make: () throws -> FittedModel) throws -> FittedModel {
        guard train == self.train, validation == self.validation else { return try make() }
        let key = Key(parameters: parameters, seed: seed, patience: patience, features: features)
        if let known = fits[key] {
            reused += 1
            return known
        }
        let fitted = try make()
        fits[key] = fitted
        if fits.count > capacity, let worst = fits.max(by: { rmse($0.value) < rmse($1.value) })?.key {
            fits[worst] = nil
        }
        return fitted
    }

    private func rmse(_ fit: FittedModel) -> Double { fit.bestValidationRMSE ?? .infinity }
}
