import Foundation
import Migrations
import Warehouse

/// BI views: the questions a dashboard asks, timed as the BI reader against the views of 0014 and
/// against the 0009 definitions (bench/sql/bi_reference_views.sql) on the same rows, at the sample's
/// 6 series and at `size.biCounts.last` synthetic series (bench/sql/bi_series.sql) in the preprod
/// environment. Plans (EXPLAIN ANALYZE, BUFFERS) of every question go to logs/bi-plan-*.txt.
struct BIStage {
    let context: BenchContext

    /// One dashboard question; `goal` is the wall time it must stay under at the largest count.
    struct Question {
        let name: String
        let sql: String
        let reference: String?
        let goalSeconds: Double?
    }

    func questions(bi: String, end: String) throws -> [Question] {
        let actualsDay = try context.date(end, adding: -20)
        let monthStart = try context.date(end, adding: -29)
        let series = "'BI0001-NONSOLAR'"
        let ref = "bench_bi_reference"
        return [
            Question(name: "one series, tomorrow's forecast",
                     sql: "select * from \(bi).vw_dayahead_load_forecasts where series_id = \(series) and forecast_date_local = '\(end)'",
                     reference: "select * from \(ref).vw_dayahead_load_forecasts where series_id = \(series) and forecast_date_local = '\(end)'",
                     goalSeconds: 0.05),
            Question(name: "one series, one day of forecast vs actual",
                     sql: "select * from \(bi).vw_forecast_vs_actual where series_id = \(series) and forecast_date_local = '\(actualsDay)'",
                     reference: "select * from \(ref).vw_forecast_vs_actual where series_id = \(series) and forecast_date_local = '\(actualsDay)'",
                     goalSeconds: 0.05),
            Question(name: "one series, accuracy of the last 30 days",
                     sql: "select * from \(bi).vw_forecast_accuracy where series_id = \(series) and forecast_date_local >= '\(monthStart)'",
                     reference: "select * from \(ref).vw_forecast_accuracy where series_id = \(series) and forecast_date_local >= '\(monthStart)'",
                     goalSeconds: 0.05),
            Question(name: "all series, accuracy of the last 30 days",
                     sql: "select * from \(bi).vw_forecast_accuracy where forecast_date_local between '\(monthStart)' and '\(end)'",
                     reference: "select * from \(ref).vw_forecast_accuracy where forecast_date_local between '\(monthStart)' and '\(end)'",
                     goalSeconds: 1.0),
            Question(name: "freshness of every series", sql: "select * from \(bi).vw_data_freshness", reference: nil, goalSeconds: 1.0),
        ]
    }

    func run(_ report: BenchReport) throws {
        let size = context.size
        let layout = context.layout(.preprod)
        let end = context.sampleEnd
        context.step("bi: preprod environment, \(size.biCounts.map(String.init).joined(separator: " then ")) series, "
                     + "\(size.biDays) days of issued forecasts each")
        _ = try context.gridcast(["migrate", "--env", "preprod"], log: "bi-migrate")
        let identifiers = try layout.identifiers()
        let series = try script("bi_series.sql", identifiers)
        let connection = try context.connect()
        try connection.executeScript(try script("bi_reference_views.sql", identifiers), name: "bench/sql/bi_reference_views.sql")
        let bi = SQLIdentifier.quoteValidated(layout.biSchema)
        let reader = try SQLIdentifier(layout.biReaderRole).quoted
        var generated = 0
        for count in size.biCounts.sorted() {
            let started = Date()
            try connection.transaction(name: "bi series") { tx in
                for (name, value) in [("gridcast.bi_first", "\(generated + 1)"), ("gridcast.bi_last", "\(count)"),
                                      ("gridcast.bi_days", "\(size.biDays)"), ("gridcast.bi_backtest_days", "30"),
                                      ("gridcast.end_date", end)] {
                    try tx.execute("select set_config($1, $2, true)", [name, value], name: "bi setting \(name)")
                }
                try tx.executeScript(series, name: "bench/sql/bi_series.sql")
            }
            generated = count
            try connection.execute("analyze", name: "analyze after generating BI series")
            let rows = try connection.execute("""
                select count(*) as n from \(SQLIdentifier.quoteValidated(layout.operationalSchema)).dayahead_load_forecasts
                """, name: "count BI forecasts").first?.int("n") ?? 0
            context.step("bi: \(count) series, \(rows) forecast rows generated in \(String(format: "%.0f", Date().timeIntervalSince(started))) s")
            try maintenanceFigures(count: count, layout: layout, end: end, on: connection, report: report)
            let largest = count == size.biCounts.max()
            for (index, question) in try questions(bi: bi, end: end).enumerated() {
                try measure(question, index: index, count: count, largest: largest, reader: reader, on: connection, report: report)
            }
        }
    }

    /// What keeping the tables current costs per day: the loader's refresh after one day of SQMD
    /// (actuals, then accuracy of every series), and the writer's after one day of forecasts.
    private func maintenanceFigures(count: Int, layout: SchemaLayout, end: String, on connection: Connection,
                                    report: BenchReport) throws {
        let schema = SQLIdentifier.quoteValidated(layout.operationalSchema)
        let day = try context.date(end, adding: -20)
        let loader = try timed {
            try connection.execute("select \(schema).refresh_series_actuals($1::date, $1::date)", [day], name: "loader refresh")
        }
        report.add(.measured("bi", "\(count) series: loader's refresh of one loaded day (actuals, accuracy, data quality)",
                             loader, "s"))
        let writer = try timed {
            try connection.transaction(name: "writer refresh") { tx in
                try tx.execute("select \(schema).supersede_forecasts($1::date, $1::date)", [day], name: "supersede")
                try tx.execute("select \(schema).refresh_forecast_accuracy($1::date, $1::date)", [day], name: "accuracy")
            }
        }
        report.add(.measured("bi", "\(count) series: writer's refresh of one forecast day (supersede + accuracy)", writer, "s"))
    }

    private func script(_ name: String, _ identifiers: [String: SQLIdentifier]) throws -> String {
        let url = context.benchDirectory.appendingPathComponent("sql/\(name)")
        return try SQLTemplate(try String(contentsOf: url, encoding: .utf8), origin: "bench/sql/\(name)").render(identifiers)
    }

    private func measure(_ question: Question, index: Int, count: Int, largest: Bool, reader: String, on connection: Connection,
                         report: BenchReport) throws {
        try connection.execute("set role \(reader)", name: "as the BI reader")
        let plan = try connection.execute("explain (analyze, buffers) \(question.sql)", name: "bi plan").rows
            .compactMap { $0.string("QUERY PLAN") }.joined(separator: "\n")
        try plan.write(toFile: context.log("bi-plan-\(count)-\(index + 1).txt"), atomically: true, encoding: .utf8)
        var rows = 0
        let seconds = median(try (0..<3).map { _ in
            try timed { rows = try connection.execute(question.sql, name: "bi question").rows.count }
        })
        try connection.execute("reset role", name: "back to the owner")
        var figure = Figure.measured("bi", "\(count) series: \(question.name)", seconds, "s")
        if let reference = question.reference {
            var referenceRows = 0
            let referenceSeconds = try timed { referenceRows = try connection.execute(reference, name: "bi reference").rows.count }
            figure.reference = "0009 views (DISTINCT ON, actuals grouped from SQMD)"
            figure.referenceValue = referenceSeconds
            figure.ratio = seconds > 0 ? referenceSeconds / seconds : nil
            if referenceRows != rows {
                report.note("bi: \(count) series, \(question.name): \(rows) rows, the reference \(referenceRows)")
            }
        }
        if largest, let goal = question.goalSeconds {
            figure.goal = goal < 1 ? "< \(Int(goal * 1000)) ms" : "< \(Int(goal)) s"
            figure.met = seconds < goal
        }
        report.add(figure)
    }

    private func timed(_ body: () throws -> Void) throws -> Double {
        let started = Date()
        try body()
        return Date().timeIntervalSince(started)
    }
}
