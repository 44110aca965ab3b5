import ArgumentParser
import Pipeline

/// `--series RES-SOLAR`, `--profile RES`, `--segment SOLAR`, `--all`: which catalog series to work on.
struct SeriesOptions: ParsableArguments {
    @Option(name: .customLong("series"), help: "A series as PROFILE-SEGMENT, e.g. RES-SOLAR (repeatable).")
    var series: [String] = []

    @Option(name: .customLong("profile"), help: "Every series of a load profile, e.g. RES (repeatable).")
    var profiles: [String] = []

    @Option(name: .customLong("segment"), help: "Every series of a segment, SOLAR or NONSOLAR (repeatable).")
    var segments: [String] = []

    @Flag(name: .customLong("all"), help: "Every active series in the catalog.")
    var all = false

    @Option(name: .customLong("shard"), help: ArgumentHelp(
        "Only this worker's share of the selected series, as I/N (1-based): run N processes with 1/N ... N/N to split one selection.",
        valueName: "i/n"))
    var shard: String?

    @Option(name: .customLong("queue"), help: ArgumentHelp(
        "Share the run with every worker started with the same queue name, on any machine: each adds its selection to "
            + "the work_queue table and takes series from it (train: one at a time, forecast: in batches) until none are "
            + "left; a lost worker's series are taken again. Progress: vw_work_queue_progress. Instead of --shard.",
        valueName: "name"))
    var queue: String?

    func validate() throws {
        if let queue {
            guard !queue.isEmpty, queue.count <= 200, queue.allSatisfy({ !$0.isNewline }) else {
                throw ValidationError("--queue needs a name of 1 to 200 characters on one line, e.g. train-2026-12-06.")
            }
            if shard != nil { throw ValidationError("Use --queue or --shard, not both: a queue shares the series without shards.") }
        }
        if series.isEmpty && profiles.isEmpty && segments.isEmpty && !all {
            throw ValidationError("Choose series with --series PROFILE-SEGMENT, --profile, --segment or --all.")
        }
        if let bad = series.first(where: { SeriesID($0) == nil }) {
            throw ValidationError("'\(bad)' is not PROFILE-SEGMENT (e.g. RES-SOLAR).")
        }
        if let shard, SeriesShard(shard) == nil {
            throw ValidationError("--shard '\(shard)' is not I/N with 1 <= I <= N, e.g. --shard 2/4.")
        }
    }

    var selection: SeriesSelection {
        SeriesSelection(series: series, profiles: profiles, segments: segments, all: all, shard: shard.flatMap(SeriesShard.init))
    }
}
