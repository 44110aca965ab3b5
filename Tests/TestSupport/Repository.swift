import Foundation

/// Paths inside this repository, found from this file's location so tests run from any directory.
public enum Repository {
    public static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    public static let migrations = root.appendingPathComponent("migrations")
    public static let sql = root.appendingPathComponent("sql")

    /// A private copy of `migrations/` that a test may edit.
    public static func copyOfMigrations() throws -> URL {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("gridcast-migrations-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: migrations, to: copy)
        return copy
    }
}
