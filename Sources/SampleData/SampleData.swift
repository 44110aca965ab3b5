/// Synthetic, deterministic sample data in the loaders' file formats.
public enum SampleData {}
