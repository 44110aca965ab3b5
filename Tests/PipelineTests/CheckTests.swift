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

    /// A one-shot HTTP server on loopback that writes the body of the first POST to a file.
    static let server = """
        import http.server, sys
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers['Content-Length']))
                open(sys.argv[2], 'wb').write(body)
                self.send_response(200); self.end_headers(); self.wfile.write(b'ok')
            def log_message(self, *args): pass
        httpd = http.server.HTTPServer(('127.0.0.1', 0), Handler)
        open(sys.argv[1], 'w').write(str(httpd.server_address[1]))
        httpd.handle_request()
        """

    static func check(_ conninfo: String, environment: [String: String?] = [:]) throws -> GridcastProcess.Outcome {
        try GridcastProcess.run(["check", "--as-of", asOf, "--json"],
                                environment: ["GRIDCAST_DATABASE_URL": conninfo, "GRIDCAST_WEBHOOK_URL": nil].merging(environment) { $1 })
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

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gridcast-webhook-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (portFile, bodyFile) = (directory.appendingPathComponent("port"), directory.appendingPathComponent("body"))
        let server = try GridcastProcess.startTool("/usr/bin/env", ["python3", "-c", Self.server, portFile.path, bodyFile.path])
        defer { server.kill(); _ = server.wait() }
        var port: String?
        for _ in 0..<100 where port == nil {
            port = try? String(contentsOf: portFile, encoding: .utf8)
            if port == nil { Thread.sleep(forTimeInterval: 0.05) }
        }
        let outcome = try Self.check(target.conninfo, environment: ["GRIDCAST_WEBHOOK_URL": "http://127.0.0.1:\(try #require(port))/hook"])
        #expect(outcome.exitCode == 2, "\(outcome.stdout)\n\(outcome.stderr)")
        let found = try Self.failures(outcome).map { "\($0["check"] as? String ?? "") \($0["series"] as? String ?? "-")" }
        #expect(found.sorted() == ["accuracy_wape RES-NONSOLAR", "failed_run -", "missing_forecast MEDCI-SOLAR",
                                   "missing_forecast_weather -", "stale_initial SMLCOM-NONSOLAR", "stale_initial SMLCOM-SOLAR"],
                "\(outcome.stdout)")

        let payload = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: bodyFile)) as? [String: Any])
        #expect((payload["text"] as? String)?.hasPrefix("gridcast check (dev): 6 findings") == true, "\(payload)")
        #expect((payload["findings"] as? [Any])?.count == 6)
        #expect(!outcome.stdout.contains("127.0.0.1") && !outcome.stderr.contains("127.0.0.1"), "the webhook URL is a secret")
    }
}
