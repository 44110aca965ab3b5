import Foundation
import Testing
@testable import Pipeline

/// `--shard i/N` must split any selection into N disjoint parts that together cover it.
@Suite struct SeriesShardTests {
    private let catalog: [SeriesID] = (1...1000).map {
        SeriesID(loadProfile: String(format: "SYN%04d", $0), loadSegment: $0.isMultiple(of: 2) ? "SOLAR" : "NONSOLAR")
    }

    @Test(arguments: [1, 2, 3, 7])
    func shardsPartitionTheSelection(count: Int) throws {
        let shards = (1...count).map { SeriesShard("\($0)/\(count)")! }
        for series in catalog {
            #expect(shards.filter { $0.contains(series) }.count == 1, "\(series) must be in exactly one of \(count) shards")
        }
        if count > 1 {
            // Even enough for workers to finish together: no shard holds more than 1.5x its fair share.
            let largest = shards.map { shard in catalog.filter(shard.contains).count }.max()!
            #expect(largest < catalog.count * 3 / (2 * count))
        }
    }

    @Test(arguments: ["0/2", "3/2", "1/0", "1", "a/b", "1/2/3", "-1/2", ""])
    func malformedShardsAreRefused(text: String) {
        #expect(SeriesShard(text) == nil)
    }

    @Test func shardTextRoundTrips() {
        #expect(SeriesShard("3/8")?.description == "3/8")
        #expect(SeriesShard("1/1")!.contains(catalog[0]))
    }
}
