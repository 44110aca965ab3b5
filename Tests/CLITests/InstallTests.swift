import Foundation
import Testing
import TestSupport
import Warehouse

/// deploy/install's layout, the installed units as systemd reads them, and the two helper scripts the
/// units run besides the daily chain: gridcast-retry (weekly training) and gridcast-alert (OnFailure=).
@Suite("Install layout, unit verification, retry and alert scripts")
struct InstallTests {
    static let deploy = Repository.root.appendingPathComponent("deploy")

    /// A scratch prefix with gridcast installed into it as `deploy/install --prefix` does.
    static func installed() throws -> URL {
        let prefix = FileManager.default.temporaryDirectory.appendingPathComponent("gridcast-install-\(UUID().uuidString)/gridcast")
        let outcome = try GridcastProcess.runTool(deploy.appendingPathComponent("install").path,
                                                  ["--binary", GridcastProcess.executable.path, "--prefix", prefix.path])
        #expect(outcome.exitCode == 0, "\(outcome.stderr)")
        return prefix
    }

    static func removeInstall(_ prefix: URL) {
        try? FileManager.default.removeItem(at: prefix.deletingLastPathComponent())
    }

    @Test("the installed binary finds its migrations in share/gridcast from any working directory")
    func installedLayoutMigrates() throws {
        let prefix = try Self.installed()
        defer { Self.removeInstall(prefix) }
        for script in ["gridcast", "gridcast-daily", "gridcast-retry", "gridcast-alert"] {
            #expect(FileManager.default.isExecutableFile(atPath: prefix.appendingPathComponent("bin/\(script)").path), "\(script)")
        }
        let target = try TestCluster.freshDatabase("installed")
        let outcome = try GridcastProcess.runTool("/bin/sh", ["-c", "cd / && exec \"$0\" migrate --env dev --json",
                                                              prefix.appendingPathComponent("bin/gridcast").path],
                                                  environment: ["GRIDCAST_DATABASE_URL": target.conninfo])
        #expect(outcome.exitCode == 0, "\(outcome.stdout)\n\(outcome.stderr)")
        let connection = try Connection.open(target)
        let applied = try connection.execute("select count(*) as n from gridcast_operational_dev.schema_migrations",
                                             name: "applied").rows.first?.int("n")
        let shipped = try FileManager.default.contentsOfDirectory(atPath: prefix.appendingPathComponent("share/gridcast/migrations").path)
            .filter { $0.hasSuffix(".sql") }.count
        #expect(applied == shipped && shipped > 0)
    }

    @Test("systemd-analyze verify accepts every installed unit; the units name the prefix's scripts")
    func unitsVerify() throws {
        let prefix = try Self.installed()
        defer { Self.removeInstall(prefix) }
        let units = prefix.appendingPathComponent("share/gridcast/deploy/systemd")
        let files = try FileManager.default.contentsOfDirectory(atPath: units.path).sorted()
        #expect(files == ["gridcast-alert@.service", "gridcast-daily.service", "gridcast-daily.timer",
                          "gridcast-train.service", "gridcast-train.timer"])
        let outcome = try GridcastProcess.runTool("/bin/sh", ["-c", "cd \"$0\" && exec systemd-analyze verify \"$@\"", units.path] + files)
        #expect(outcome.exitCode == 0 && outcome.stderr.isEmpty && outcome.stdout.isEmpty, "\(outcome.stdout)\n\(outcome.stderr)")
        for unit in ["gridcast-daily.service", "gridcast-train.service"] {
            let text = try String(contentsOf: units.appendingPathComponent(unit), encoding: .utf8)
            #expect(text.contains("OnFailure=gridcast-alert@%n.service"), "\(unit)")
            #expect(text.contains("ExecStart=\(prefix.path)/bin/") && !text.contains("/opt/gridcast/"), "\(unit)")
        }
    }

    @Test("the training unit's ExecStart retries an unreachable database, then exits 3")
    func trainingRetries() throws {
        let unit = try String(contentsOf: Self.deploy.appendingPathComponent("systemd/gridcast-train.service"), encoding: .utf8)
        let line = try #require(unit.split(separator: "\n").first { $0.hasPrefix("ExecStart=") })
        let command = String(line.dropFirst("ExecStart=".count))
            .replacingOccurrences(of: "/opt/gridcast/bin/", with: Self.deploy.appendingPathComponent("bin").path + "/")
        let outcome = try GridcastProcess.runTool("/bin/sh", ["-c", command], environment: [
            "GRIDCAST_BIN": GridcastProcess.executable.path, "GRIDCAST_RETRY_DELAYS": "1 1",
            "GRIDCAST_DATABASE_URL": "host=127.0.0.1 port=1 dbname=none connect_timeout=2"])
        #expect(outcome.exitCode == 3, "\(outcome.stderr.suffix(2000))")
        #expect(outcome.stderr.components(separatedBy: "gridcast train exited 3; retrying in 1 s").count - 1 == 2,
                "\(outcome.stderr.suffix(2000))")
    }

    @Test("gridcast-alert sends the failed unit to the notify command and the webhook, and not again for check's exit 2")
    func alertScript() throws {
        let webhook = try LoopbackWebhook(path: "/alert")
        let hookFile = webhook.directory.appendingPathComponent("hook.json")
        let alert = Self.deploy.appendingPathComponent("bin/gridcast-alert").path
        let hook = "cat > '\(hookFile.path)' && test \"$GRIDCAST_FAILED_UNIT\" = gridcast-daily.service"

        // Exit 2 is check's findings, which check has sent itself: nothing is sent again.
        let findings = try GridcastProcess.runTool(alert, ["gridcast-daily.service"], environment: [
            "GRIDCAST_NOTIFY_COMMAND": hook, "MONITOR_EXIT_STATUS": "2"])
        #expect(findings.exitCode == 0 && !FileManager.default.fileExists(atPath: hookFile.path), "\(findings.stderr)")

        let outcome = try GridcastProcess.runTool(alert, ["gridcast-daily.service"], environment: [
            "GRIDCAST_NOTIFY_COMMAND": hook, "GRIDCAST_WEBHOOK_URL": webhook.url, "MONITOR_EXIT_STATUS": "7"])
        #expect(outcome.exitCode == 0, "\(outcome.stderr)")
        let sent = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: hookFile)) as? [String: Any])
        #expect((sent["text"] as? String)?.hasPrefix("gridcast: gridcast-daily.service failed on ") == true, "\(sent)")
        #expect(sent["unit"] as? String == "gridcast-daily.service" && sent["exit_status"] as? Int == 7)
        #expect(try webhook.body() == Data(contentsOf: hookFile), "the webhook gets the same JSON")
        #expect(!outcome.stderr.contains("127.0.0.1"), "the webhook URL is a secret")

        let failing = try GridcastProcess.runTool(alert, ["gridcast-train.service"], environment: ["GRIDCAST_NOTIFY_COMMAND": "exit 1"])
        #expect(failing.exitCode == 1 && failing.stderr.contains("the notify command ($GRIDCAST_NOTIFY_COMMAND) failed"))
    }
}
