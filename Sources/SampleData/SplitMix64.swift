import Foundation

/// SplitMix64 (Steele, Lea and Flood 2014, as in Java's `SplittableRandom`): a tiny, fast generator
/// whose output depends only on its seed, on every platform. The sample data uses it instead of the
/// system generator so the same seed always yields byte-identical files.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A generator for one independent stream, e.g. one (day, rate group): the seed mixed with `keys`.
    /// Streams keyed this way do not depend on the order in which other streams are drawn.
    public init(seed: UInt64, keys: UInt64...) {
        var mixed = seed
        for key in keys {
            var generator = SplitMix64(seed: mixed ^ (key &* 0xD1B5_4A32_D192_ED03))
            mixed = generator.next()
        }
        state = mixed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1), 53 bits.
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Standard normal by Box-Muller (one of the pair; two uniforms per call, so streams stay simple).
    public mutating func normal() -> Double {
        let u1 = 1 - uniform()   // (0, 1], so the logarithm is finite
        let u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
