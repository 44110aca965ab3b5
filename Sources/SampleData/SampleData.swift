/// Synthetic, deterministic sample data in the loaders' file formats: see `SampleGenerator`.
public enum SampleData {
    /// Bumped whenever the generated numbers change, so stored samples can be told apart.
    public static let modelVersion = 1
}
