import Foundation
import Testing
import TestSupport
import Warehouse

/// Exit codes and `--json` error objects as the README promises them, through the executable.
@Suite("Exit codes and JSON errors")
struct ExitCodeCLITests {
    static func json(_ stdout: String) throws -> [String: Any] {
        let line = try #require(stdout.split(separator: "\n").last { $0.hasPrefix("{") }, "no JSON object on stdout: \(stdout)")
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test("no approved model exits 6; with another series written it is 8, and the JSON lists the failed series and why")
    func missingModel() throws {
        let warehouse = try ConcurrencyAndSecurityTests.shared.get()
        let alone = try warehouse.gridcast(["forecast", "--series", "MEDCI-SOLAR", "--date", "2024-12-05", "--json"])
        #expect(alone.exitCode == 6, "\(alone.stderr)")
        let object = try Self.json(alone.stdout)
        #expect(object["status"] as? String == "failed" && (object["exit_code"] as? NSNumber)?.intValue == 6, "\(object)")
        let failures = try #require(object["failures"] as? [[String: Any]], "\(object)")
        #expect(failures.count == 1 && failures.first?["series"] as? String == "MEDCI-SOLAR", "\(failures)")
        #expect((failures.first?["error"] as? String)?.contains("approved") == true, "\(failures)")

        let mixed = try warehouse.gridcast(["forecast", "--series", "RES-SOLAR", "--series", "MEDCI-SOLAR",
                                            "--date", "2024-12-05", "--json"])
        #expect(mixed.exitCode == 8, "\(mixed.stderr)")
        let mixedObject = try Self.json(mixed.stdout)
        let listed = (mixedObject["failures"] as? [[String: Any]] ?? []).compactMap { $0["series"] as? String }
        #expect(listed == ["MEDCI-SOLAR"], "\(mixedObject)")
        #expect(try warehouse.int("""
            select count(*) as n from gridcast_operational_dev.dayahead_load_forecasts
            where load_profile = 'RES' and load_segment = 'SOLAR' and make_date(year, month, day) = '2024-12-05'
            """) == 24)

        // A day-ahead champion is no D+2 champion: the message says how to train one.
        let dPlusTwo = try warehouse.gridcast(["forecast", "--series", "RES-SOLAR", "--date", "2024-12-05", "--lead-days", "2",
                                               "--json"])
        #expect(dPlusTwo.exitCode == 6, "\(dPlusTwo.stderr)")
        let error = (try Self.json(dPlusTwo.stdout)["failures"] as? [[String: Any]])?.first?["error"] as? String
        #expect(error?.contains("--lead-days 2") == true, "\(dPlusTwo.stdout)")
    }

    @Test("argument errors print a JSON object too: a bad --date exits 64 before anything connects")
    func argumentErrors() throws {
        let runs: [(arguments: [String], command: String, text: String)] = [
            (["forecast", "--series", "RES-SOLAR", "--date", "2024-13-45", "--json"], "forecast", "--date '2024-13-45'"),
            (["backfill", "--series", "RES-SOLAR", "--from", "2024-12-01", "--to", "soon", "--json"], "backfill", "--to 'soon'"),
            (["migrate", "--env", "staging", "--json"], "migrate", "staging"),
            (["models", "list", "--no-such-option", "--json"], "models list", "no-such-option"),
            (["train", "--series", "RES-SOLAR", "--lead-days", "8", "--json"], "train", "lead days must be 1 to 7"),
            (["forecast", "--series", "RES-SOLAR", "--lead-days", "0", "--json"], "forecast", "--lead-days must be 1"),
        ]
        for run in runs {
            // PGHOST points nowhere: a run that tried to connect would fail with 3, not 64.
            let outcome = try GridcastProcess.run(run.arguments, environment: ["PGHOST": "/nonexistent", "GRIDCAST_DATABASE_URL": nil])
            #expect(outcome.exitCode == 64, "\(run.arguments): \(outcome.stderr)")
            let object = try Self.json(outcome.stdout)
            #expect(object["command"] as? String == run.command, "\(object)")
            #expect((object["exit_code"] as? NSNumber)?.intValue == 64, "\(object)")
            #expect((object["error"] as? String)?.contains(run.text) == true, "\(object)")
        }
    }

    @Test("a statement timeout exits 7 (an SQL error), not 8")
    func statementTimeout() throws {
        let warehouse = try ConcurrencyAndSecurityTests.shared.get()
        let outcome = try warehouse.gridcast(["forecast", "--series", "RES-SOLAR", "--date", "2024-12-06", "--json"],
                                             environment: ["PGOPTIONS": "-c statement_timeout=1"])
        #expect(outcome.exitCode == 7, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("statement timeout"), "\(outcome.stderr)")
    }
}
