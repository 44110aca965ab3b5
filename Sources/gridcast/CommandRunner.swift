import ArgumentParser
import Foundation
import Ingest
import Logging
import Migrations
import Pipeline
import Warehouse

/// A failure of some series (or series-days) of a run: `--json` lists each with its cause.
protocol FailureDetails: Error {
    var causes: [Error] { get }
    /// True when the run wrote nothing (every series failed).
    var nothingWritten: Bool { get }
    /// Each failure as a JSON object; `redact` masks the connection's secrets in the messages.
    func details(exitCode: (Error) -> Int32, redact: (String) -> String) -> [JSONValue]
}

/// Runs a command body with logging set up, maps errors to one stderr sentence and an exit code a
/// scheduler can act on, and prints the `--json` summary.
enum CommandRunner {
    nonisolated(unsafe) private static var loggingReady = false

    static func run(_ options: GlobalOptions, command: String, _ body: (Logger) throws -> [String: JSONValue]) throws {
        if !loggingReady {
            LoggingSystem.bootstrap { label in StreamLogHandler.standardError(label: label) }
            loggingReady = true
        }
        let logger = options.logger("gridcast.\(command.replacingOccurrences(of: " ", with: "."))")
        do {
            var summary = try body(logger)
            summary["command"] = .string(command)
            summary["status"] = "succeeded"
            if options.json { print(JSONValue.object(summary).rendered) }
        } catch {
            let code = exitCode(for: error)
            let message = options.target.redact("\(error)")
            FileHandle.standardError.write(Data("gridcast \(command): \(message)\n".utf8))
            if options.json {
                var object: [String: JSONValue] = ["command": .string(command), "status": "failed", "error": .string(message),
                                                   "exit_code": .int(Int(code))]
                if let details = error as? FailureDetails { object["failures"] = .array(details.details(exitCode: exitCode(for:), redact: options.target.redact)) }
                print(JSONValue.object(object).rendered)
            }
            throw ExitCode(code)
        }
    }

    /// Exit codes documented in `gridcast --help` and the README.
    static func exitCode(for error: Error) -> Int32 {
        switch error {
        case let error as WarehouseError:
            switch error {
            case .connectionFailed, .connectionLost: return 3
            case .server where error.isConnectionFailure: return 3  // the server shut down or restarted under the run
            case .lockNotAvailable: return 5
            case .server, .unexpectedResult: return 7
            case .citusWorker: return 4  // a layout problem: the wrong node, not a failing statement
            }
        case let error as MigrationError:
            if case let .failed(_, _, underlying) = error { return exitCode(for: underlying) == 3 ? 3 : 4 }
            return 4
        case is IdentifierError, is TemplateError: return 4
        case is SelectionError, is RegistryError, is LocationChoiceError: return 64
        case let error as ForecastError:
            switch error {
            case .missingWeather: return 8  // a required input of the day is missing: that day failed
            case .badDate: return 64
            default: return 6
            }
        case is ChecksFailed: return 2
        case let error as FailureDetails:
            // Nothing written and one cause throughout (no approved model, a timeout): that cause's code.
            let codes = Set(error.causes.map(exitCode(for:)))
            if error.nothingWritten, codes.count == 1, let code = codes.first, code != 1 { return code }
            return 8
        case let error as SQMDLoadError:
            switch error {
            case .tooManyRejects, .invalidHeader: return 6
            default: return 64
            }
        case is WeatherLoadError, is CalendarFillError: return 6
        case let error as HolidayLoadError:
            if case .unreadable = error { return 64 }
            return 6
        case let error as FeatureError:
            if case .noRows = error { return 6 }
            return 64
        default: return 1
        }
    }
}
