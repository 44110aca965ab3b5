/// Loaders for SQMD and weather input files.
public enum Ingest {}
