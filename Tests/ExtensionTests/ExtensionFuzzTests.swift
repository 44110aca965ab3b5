import Foundation
import Testing
import TestSupport
import Warehouse

/// Mutated models fed to the extension's model loader. libxgboost's JSON reader runs inside the
/// backend, where a crash restarts the whole cluster, so this runs on a cluster of its own and
/// checks after every mutation that the server still answers.
@Suite("PostgreSQL extension: fuzzed models")
struct ExtensionFuzzTests {
    @Test("200 mutated models (byte edits, truncations, swapped numbers): each an ERROR or a number, never a crash")
    func mutatedModels() throws {
        let fixture = try ExtensionScoringTests.fixture.get()
        try ExtensionInstall.ensure()
        let cluster = try TestCluster.privateCluster("extfuzz")
        defer { cluster.stop() }
        let connection = try Connection.open(cluster.target)
        try connection.execute("create extension gridcast", name: "create extension")
        let original = Array(fixture.json.utf8)
        var state: UInt64 = 7
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(max(bound, 1)))
        }
        let interesting = ["-1", "1e309", "NaN", "null", "\"\"", "[]", "{}", "999999999999", "0", "-0", "\"x\""]
        var errors = 0, numbers = 0
        for round in 0..<200 {
            var bytes = original
            switch round % 4 {
            case 0:  // flip bytes
                for _ in 0...next(8) { bytes[next(bytes.count)] = UInt8(next(256)) }
            case 1:  // truncate
                bytes = Array(bytes.prefix(1 + next(bytes.count - 1)))
            case 2:  // replace a number with an interesting value
                let text = String(decoding: bytes, as: UTF8.self)
                let digits = text.indices.filter { text[$0].isNumber }
                if let at = digits.isEmpty ? nil : digits[next(digits.count)] {
                    var mutated = text
                    mutated.replaceSubrange(at...at, with: interesting[next(interesting.count)])
                    bytes = Array(mutated.utf8)
                }
            default:  // drop a slice
                let start = next(bytes.count), length = next(200)
                bytes.removeSubrange(start..<min(bytes.count, start + length))
            }
            let model = String(decoding: bytes, as: UTF8.self)
            do {
                _ = try connection.execute("select gridcast_predict($1::text, '{3, 20, 0.5}') as p", [model], name: "fuzz")
                numbers += 1
            } catch let error as WarehouseError where !error.isConnectionFailure {
                errors += 1
            }
            try #require(connection.isHealthy, "round \(round) crashed the backend: \(model.prefix(120))")
        }
        #expect(errors + numbers == 200 && errors > 50, "errors \(errors), numbers \(numbers)")
    }
}
