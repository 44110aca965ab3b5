import Foundation
import Ingest
import Logging
import Warehouse

/// Wraps a command's work in a run-log row: `running` first, then `succeeded` with a row count or
/// `failed` with the error (the row commits on its own connection, so a rolled-back run still shows).
/// A body that finished but partly failed returns its failure: it is logged and handed back, so the
/// caller can print its results before exiting non-zero. A thrown error is logged and rethrown.
enum RunLogging {
    @discardableResult
    static func record<Arguments: Encodable>(_ options: GlobalOptions, kind: RunKind, arguments: Arguments, logger: Logger,
                                             _ body: (String) throws -> (rows: Int, failure: Error?)) throws -> Error? {
        let log = try RunLog(target: options.target, layout: options.layout, logger: logger)
        let runID = try log.start(kind: kind, arguments: arguments).uuidString.lowercased()
        do {
            let (rows, failure) = try body(runID)
            if let failure {
                try? log.fail(error: failure, rows: rows)
                return failure
            }
            try log.succeed(rows: rows)
            return nil
        } catch {
            try? log.fail(error: error)
            throw error
        }
    }
}
