import Foundation

/// One measured figure, with the reference it is compared against in the same run.
struct Figure: Codable {
    let stage: String
    let name: String
    let value: Double
    let unit: String
    var reference: String?
    var referenceValue: Double?
    /// value / reference, or reference / value for times, so that above 1 always means gridcast does better.
    var ratio: Double?
    var goal: String?
    var met: Bool?

    static func measured(_ stage: String, _ name: String, _ value: Double, _ unit: String) -> Figure {
        Figure(stage: stage, name: name, value: value, unit: unit)
    }

    /// A throughput compared with a reference throughput (higher is better).
    static func throughput(_ stage: String, _ name: String, _ value: Double, _ unit: String, against reference: String,
                           _ referenceValue: Double, goal: Double? = nil) -> Figure {
        let ratio = referenceValue > 0 ? value / referenceValue : nil
        return Figure(stage: stage, name: name, value: value, unit: unit, reference: reference, referenceValue: referenceValue,
                      ratio: ratio, goal: goal.map { String(format: ">= %.2f", $0) }, met: goal.flatMap { g in ratio.map { $0 >= g } })
    }

    /// A figure with an absolute goal (at most `limit`), e.g. a wall time the issue sets.
    static func limited(_ stage: String, _ name: String, _ value: Double, _ unit: String, atMost limit: Double) -> Figure {
        Figure(stage: stage, name: name, value: value, unit: unit, goal: "<= \(BenchReport.format(limit)) \(unit)", met: value <= limit)
    }

    /// A duration compared with a reference duration (lower is better; ratio = reference / value).
    static func duration(_ stage: String, _ name: String, _ seconds: Double, against reference: String, _ referenceSeconds: Double,
                         goal: Double? = nil) -> Figure {
        let ratio = seconds > 0 ? referenceSeconds / seconds : nil
        return Figure(stage: stage, name: name, value: seconds, unit: "s", reference: reference, referenceValue: referenceSeconds,
                      ratio: ratio, goal: goal.map { String(format: ">= %.2f", $0) }, met: goal.flatMap { g in ratio.map { $0 >= g } })
    }
}

/// Collects figures and notes, prints them as they come and as a table at the end, and writes JSON.
final class BenchReport {
    private(set) var figures: [Figure] = []
    private(set) var notes: [String] = []

    func add(_ figure: Figure) {
        figures.append(figure)
        FileHandle.standardError.write(Data("    \(Self.line(figure))\n".utf8))
    }

    func note(_ text: String) {
        notes.append(text)
        FileHandle.standardError.write(Data("    note: \(text)\n".utf8))
    }

    static func format(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e9 { return String(format: "%.0f", value) }
        if abs(value) >= 100 { return String(format: "%.0f", value) }
        if abs(value) >= 10 { return String(format: "%.1f", value) }
        return String(format: "%.3f", value)
    }

    static func line(_ figure: Figure) -> String {
        var text = "\(figure.stage) | \(figure.name): \(format(figure.value)) \(figure.unit)"
        if let reference = figure.reference, let referenceValue = figure.referenceValue {
            text += " | \(reference): \(format(referenceValue)) \(figure.unit)"
        }
        if let ratio = figure.ratio { text += String(format: " | ratio %.2f", ratio) }
        if let goal = figure.goal { text += " (goal \(goal): \(figure.met == true ? "met" : "NOT met"))" }
        return text
    }

    func printTable(size: String, seconds: Double) {
        print("gridcast bench, size \(size), \(ProcessInfo.processInfo.activeProcessorCount) cores, \(String(format: "%.0f", seconds)) s in all")
        print("")
        print("| stage | figure | gridcast | reference | ratio | goal |")
        print("|---|---|---|---|---|---|")
        for figure in figures {
            let reference = figure.reference.map { "\($0): \(Self.format(figure.referenceValue ?? 0)) \(figure.unit)" } ?? ""
            let ratio = figure.ratio.map { String(format: "%.2f", $0) } ?? ""
            let goal = figure.goal.map { "\($0) \(figure.met == true ? "met" : "NOT met")" } ?? ""
            print("| \(figure.stage) | \(figure.name) | \(Self.format(figure.value)) \(figure.unit) | \(reference) | \(ratio) | \(goal) |")
        }
        if !notes.isEmpty {
            print("")
            for note in notes { print("- \(note)") }
        }
    }

    func write(to url: URL, size: String) throws {
        struct Document: Codable { let size: String; let figures: [Figure]; let notes: [String] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(Document(size: size, figures: figures, notes: notes)).write(to: url)
    }
}
