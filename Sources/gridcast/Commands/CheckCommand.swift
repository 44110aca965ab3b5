import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Ingest
import Pipeline

/// `gridcast check`: failed or missing runs, stale meter data, missing forecast weather and accuracy
/// beyond thresholds (migration 0015's `check_findings()`), with an exit code a monitor acts on
/// and an optional webhook.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check runs, data freshness, forecast weather and accuracy against check_thresholds; exit 2 on findings.",
        discussion: """
            Exit 0: every check passed; 2: findings (each printed, and in --json under "failures").
            Thresholds are rows of <operational schema>.check_thresholds. With GRIDCAST_WEBHOOK_URL set (or the
            variable --webhook-url-env names) findings are POSTed there as JSON with a "text" field (Slack, Teams,
            Mattermost incoming webhooks); the URL is read from the environment because it is a secret.
            With GRIDCAST_NOTIFY_COMMAND set (or the variable --notify-command-env names), that shell command
            runs with the same JSON on standard input (e.g. a mail or pager command); exit 0 expected.
            """)

    @OptionGroup var options: GlobalOptions

    @Option(name: .customLong("as-of"), help: "Check as of this instant (e.g. '2024-11-04 09:30-08'); default now.")
    var asOf: String?

    @Option(name: .customLong("webhook-url-env"), help: "Environment variable holding the webhook URL (default GRIDCAST_WEBHOOK_URL).")
    var webhookVariable = "GRIDCAST_WEBHOOK_URL"

    @Option(name: .customLong("notify-command-env"),
            help: "Environment variable holding a shell command that gets the findings' JSON on stdin (default GRIDCAST_NOTIFY_COMMAND).")
    var notifyCommandVariable = "GRIDCAST_NOTIFY_COMMAND"

    func run() throws {
        try CommandRunner.run(options, command: "check") { logger in
            let findings = try HealthCheck.findings(on: try options.connect(logger), layout: options.layout, asOf: asOf)
            guard !findings.isEmpty else {
                if !options.json { print("all checks passed\(asOf.map { " as of \($0)" } ?? "")") }
                return ["findings": .array([])]
            }
            if !options.json {
                for finding in findings {
                    print("\(finding.check)\(finding.series.map { " \($0)" } ?? ""): \(finding.detail)")
                }
            }
            let environment = ProcessInfo.processInfo.environment
            var problems: [String] = []
            if let url = environment[webhookVariable].flatMap(URL.init(string:)) {
                if let problem = try notify(url, findings: findings) { problems.append(problem) } else {
                    logger.info("webhook notified", metadata: ["findings": "\(findings.count)"])
                }
            }
            if let command = environment[notifyCommandVariable], !command.isEmpty {
                let payload = try HealthCheck.webhookPayload(findings, environment: options.layout.environment.rawValue)
                do {
                    try NotificationCommand(command: command).run(payload: payload, environment: ["GRIDCAST_FINDINGS": "\(findings.count)"])
                    logger.info("notify command ran", metadata: ["findings": "\(findings.count)"])
                } catch {
                    problems.append("the notify command ($\(notifyCommandVariable)) \(error)")
                }
            }
            throw ChecksFailed(findings: findings, notification: problems.isEmpty ? nil : problems.joined(separator: "; "))
        }
    }

    /// Posts the findings; returns what went wrong, in words without the URL, or nil.
    private func notify(_ url: URL, findings: [CheckFinding]) throws -> String? {
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: 30)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("gridcast", forHTTPHeaderField: "User-Agent")
        request.httpBody = try HealthCheck.webhookPayload(findings, environment: options.layout.environment.rawValue)
        let status: Int?
        do {
            (_, status) = try HTTPFetch.send(request, timeoutSeconds: 30)
        } catch {
            return "the webhook ($\(webhookVariable)) could not be reached: \(error.reason)"
        }
        if let status, !(200..<300).contains(status) { return "the webhook ($\(webhookVariable)) answered HTTP \(status)" }
        return nil
    }
}

/// Findings of `gridcast check` (exit 2), with a notification failure if the webhook did not take them.
struct ChecksFailed: Error, CustomStringConvertible, FailureDetails {
    let findings: [CheckFinding]
    var notification: String?

    var description: String {
        "\(findings.count) check finding\(findings.count == 1 ? "" : "s")" + (notification.map { "; \($0)" } ?? "")
    }
    var causes: [Error] { [] }
    var nothingWritten: Bool { false }
    func details(exitCode: (Error) -> Int32, redact: (String) -> String) -> [JSONValue] {
        findings.map { finding in
            ["check": .string(finding.check), "series": .optional(finding.series), "detail": .string(finding.detail),
             "observed": finding.observed.map(JSONValue.number) ?? .null, "threshold": finding.threshold.map(JSONValue.number) ?? .null]
        }
    }
}
