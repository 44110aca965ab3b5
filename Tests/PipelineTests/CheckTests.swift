import Foundation
import Testing
import TestSupport
import Warehouse

/// `gridcast check` over the sample warehouse with BIViewTests' planted forecasts: clean at a morning
/// when everything is in, then one finding per planted fault, exit 2, and the webhook's payload.
@Suite("gridcast check")
struct CheckTests {
    static let asOf = "2024-11-04 10:30-08"
    static let op = BIViewTests.op

    static func check(_ conninfo: String, environment: [String: String?] = [:]) throws -> GridcastProcess.Outcome {
        try GridcastProcess.run(["check", "--as-of", asOf, "--json"],
                                environment: ["GRIDCAST_DATABASE_URL": conninfo, "GRIDCAST_WEBHOOK_URL": nil,
                                                      "GRIDCAST_NOTIFY_COMMAND": nil].merging(environment) { $1 })
    }

    static func failures(_ outcome: GridcastProcess.Outcome) throws -> [[String: Any]] {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        return (object["failures"] as? [[String: Any]]) ?? []
    }

    @Test("clean when every input is in; each planted fault is reported with exit 2 and posted to the webhook")
    func plantedFaults() throws {
        let target = try SampleWarehouse.clone("check")
        let connection = try BIViewTests.planted(on: Connection.open(target))
        let clean = try Self.check(target.conninfo)
        #expect(clean.exitCode == 0, "\(clean.stdout)\n\(clean.stderr)")

        try connection.executeScript("""
            insert into \(Self.op).run_log (kind, status, started_at, finished_at, error)
            values ('forecast', 'failed', '2024-11-04 09:00-08', '2024-11-04 09:01-08', 'planted failure');
            delete from gridcast_input_dev.sqmd where loadprofile = 'SMLCOM' and tradedatelocal > '2024-10-10';
            delete from gridcast_input_dev.weather_hourly
            where kind = 'forecast' and valid_at >= '2024-11-05 12:00-08' and valid_at < '2024-11-05 14:00-08';
            delete from \(Self.op).dayahead_load_forecasts where series_id = 'MEDCI-SOLAR' and forecast_date_local = '2024-11-05';
            insert into \(Self.op).check_thresholds (check_name, series_id, threshold, window_days)
            values ('accuracy_wape', 'RES-NONSOLAR', 5, 7);
            """, name: "plant faults")

        let webhook = try LoopbackWebhook()
        let hookFile = webhook.directory.appendingPathComponent("hook.json")
        let outcome = try Self.check(target.conninfo, environment: [
            "GRIDCAST_WEBHOOK_URL": webhook.url,
            "GRIDCAST_NOTIFY_COMMAND": "cat > '\(hookFile.path)' && test \"$GRIDCAST_FINDINGS\" = 6",
        ])
        #expect(outcome.exitCode == 2, "\(outcome.stdout)\n\(outcome.stderr)")
        let found = try Self.failures(outcome).map { "\($0["check"] as? String ?? "") \($0["series"] as? String ?? "-")" }
        #expect(found.sorted() == ["accuracy_wape RES-NONSOLAR", "failed_run -", "missing_forecast MEDCI-SOLAR",
                                   "missing_forecast_weather -", "stale_initial SMLCOM-NONSOLAR", "stale_initial SMLCOM-SOLAR"],
                "\(outcome.stdout)")

        let body = try #require(webhook.body(), "the webhook received nothing")
        let payload = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect((payload["text"] as? String)?.hasPrefix("gridcast check (dev): 6 findings") == true, "\(payload)")
        #expect((payload["findings"] as? [Any])?.count == 6)
        #expect(!outcome.stdout.contains("127.0.0.1") && !outcome.stderr.contains("127.0.0.1"), "the webhook URL is a secret")
        #expect(try Data(contentsOf: hookFile) == body, "the notify command gets the webhook's JSON")
        #expect(!outcome.stdout.contains("notify command"), "\(outcome.stdout)")

        // A hook that fails is reported without its text (it may hold a token); the findings still exit 2.
        let failing = try Self.check(target.conninfo, environment: ["GRIDCAST_NOTIFY_COMMAND": "echo token-1234 >/dev/null; exit 3"])
        #expect(failing.exitCode == 2)
        #expect(failing.stdout.contains("the notify command ($GRIDCAST_NOTIFY_COMMAND) exited with status 3"), "\(failing.stdout)")
        #expect(!failing.stdout.contains("token-1234") && !failing.stderr.contains("token-1234"))
    }
}
