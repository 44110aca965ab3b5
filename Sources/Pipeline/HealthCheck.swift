import Foundation
import Migrations
import Warehouse

/// One failed check of `check_findings()` (migration 0015).
public struct CheckFinding: Sendable, Equatable, Encodable {
    public let check: String
    /// Nil for checks of the whole environment (runs, a location's weather).
    public let series: String?
    public let detail: String
    public let observed: Double?
    public let threshold: Double?
}

/// What `gridcast check` reads: the findings of `check_findings(as_of)`, thresholds from
/// `check_thresholds`. The checks live in SQL so a monitor, a DBA and the CLI see the same answers.
public enum HealthCheck {
    /// - Parameter asOf: the instant to check as of (an ISO timestamp); nil is now.
    public static func findings(on connection: Connection, layout: SchemaLayout, asOf: String?) throws -> [CheckFinding] {
        let schema = SQLIdentifier.quoteValidated(layout.operationalSchema)
        return try connection.execute("""
            select check_name, series_id, detail, observed, threshold
            from \(schema).check_findings(coalesce($1::timestamptz, now()))
            order by check_name, series_id nulls first, detail
            """, [asOf], name: "check findings").rows.map { row in
            CheckFinding(check: row.string("check_name") ?? "", series: row.string("series_id"), detail: row.string("detail") ?? "",
                         observed: row.double("observed"), threshold: row.double("threshold"))
        }
    }

    /// A Slack- and Teams-style message: `text` for the chat, the findings for a machine.
    public static func webhookPayload(_ findings: [CheckFinding], environment: String) throws -> Data {
        struct Payload: Encodable {
            let text: String, environment: String, findings: [CheckFinding]
        }
        let lines = findings.map { "- \($0.check)\($0.series.map { " \($0)" } ?? ""): \($0.detail)" }
        let text = "gridcast check (\(environment)): \(findings.count) finding\(findings.count == 1 ? "" : "s")\n"
            + lines.joined(separator: "\n")
        let payload = Payload(text: text, environment: environment, findings: findings)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(payload)
    }
}
