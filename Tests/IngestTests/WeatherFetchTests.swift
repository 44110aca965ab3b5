import Features
import Foundation
import Ingest
import Testing
import Warehouse
#if canImport(Glibc)
import Glibc
#endif

/// A one-thread HTTP/1.1 server on 127.0.0.1 (a free port) that answers every request with a
/// fixed status and body and records the request targets. It serves at most `limit` requests
/// and stops by itself after `lifetime` seconds, so a failed test cannot leave it running.
final class LoopbackServer: @unchecked Sendable {
    let port: UInt16
    private let socket: Int32
    private let lock = NSLock()
    private var targets: [String] = []
    private var stopped = false

    init(status: Int = 200, body: String, limit: Int = 8, lifetime: Double = 30) throws {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 8) == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        socket = fd
        port = UInt16(bigEndian: address.sin_port)
        let reason = status == 200 ? "OK" : "Bad Request"
        let response = Array("HTTP/1.1 \(status) \(reason)\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)".utf8)
        let deadline = Date().addingTimeInterval(lifetime)
        Thread.detachNewThread { [self] in
            var served = 0
            while served < limit, Date() < deadline, !isStopped {
                var poller = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
                guard poll(&poller, 1, 100) > 0 else { continue }
                let client = accept(socket, nil, nil)
                guard client >= 0 else { continue }
                var request: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 4096)
                while !request.containsHeaderEnd, request.count < 65_536 {
                    let count = read(client, &buffer, buffer.count)
                    if count <= 0 { break }
                    request += buffer[0..<count]
                }
                let line = String(decoding: request.prefix { $0 != 13 }, as: UTF8.self)
                let parts = line.split(separator: " ")
                lock.withLock { targets.append(parts.count > 1 ? String(parts[1]) : line) }
                _ = response.withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
                close(client)
                served += 1
            }
            close(socket)
        }
    }

    private var isStopped: Bool { lock.withLock { stopped } }
    func stop() { lock.withLock { stopped = true } }
    var requests: [String] { lock.withLock { targets } }
    var url: URL { URL(string: "http://127.0.0.1:\(port)/v1/forecast")! }
}

private extension Array where Element == UInt8 {
    var containsHeaderEnd: Bool {
        count >= 4 && (0...(count - 4)).contains { self[$0] == 13 && self[$0 + 1] == 10 && self[$0 + 2] == 13 && self[$0 + 3] == 10 }
    }
}

@Suite("Weather loader: --url")
struct WeatherFetchTests {
    /// Query items of a recorded request target, by name.
    static func query(_ target: String) -> [String: String] {
        let items = URLComponents(string: "http://x\(target)")?.queryItems ?? []
        return Dictionary(items.map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { first, _ in first })
    }

    @Test("a forecast fetched from an Open-Meteo-compatible endpoint loads, issued at the fetch time, with the standard query")
    func forecastFromURL() throws {
        let harness = try WeatherHarness("wxurl")
        var fixture = WeatherFixture(fromLocalMidnight: "2024-08-01", days: 3, utcOffsetSeconds: -25_200)
        fixture.labels = .unix
        let server = try LoopbackServer(body: fixture.json)
        defer { server.stop() }
        let before = Date().addingTimeInterval(-1)
        let loader = harness.loader(WeatherLoadOptions(kind: .forecast))
        var url = URLComponents(url: server.url, resolvingAgainstBaseURL: false)!
        url.queryItems = [URLQueryItem(name: "models", value: "gfs_seamless")]
        let summary = try loader.fetch(url.url!,
                                       range: .relative(pastDays: 1, forecastDays: 2), on: harness.connection,
                                       runLog: try RunLog(target: harness.target, layout: WeatherHarness.layout))
        let after = Date().addingTimeInterval(1)
        #expect(summary.inserted == 72 && summary.rejected == 0 && summary.timeInterpretation == nil)
        let issued = try #require(summary.issuedAt)
        #expect(issued >= before && issued <= after)
        #expect(try harness.int("select count(distinct issued_at) as n from \(WeatherHarness.table) where kind = 'forecast'") == 1)
        #expect(try harness.int("select count(*) as n from \(WeatherHarness.table) where valid_at = $1::timestamptz", [fixture.instant(0)]) == 1)
        #expect(summary.source.hasPrefix("http://127.0.0.1:\(server.port)/v1/forecast?"))

        #expect(server.requests.count == 1)
        let target = try #require(server.requests.first)
        #expect(target.hasPrefix("/v1/forecast?"))
        let query = Self.query(target)
        #expect(query["latitude"] == "32.7157" && query["longitude"] == "-117.1611")
        #expect(query["hourly"]?.split(separator: ",").map(String.init).sorted() == WeatherFixture.variables.sorted())
        #expect(query["timezone"] == "America/Los_Angeles")
        #expect(query["timeformat"] == "unixtime")
        #expect(query["temperature_unit"] == "celsius" && query["wind_speed_unit"] == "kmh")
        #expect(query["past_days"] == "1" && query["forecast_days"] == "2")
        #expect(query["models"] == "gfs_seamless")
        #expect(query["start_date"] == nil)
    }

    @Test("observed history by date range asks for start_date and end_date; an apikey never reaches the warehouse")
    func observedRange() throws {
        let harness = try WeatherHarness("wxurlobs")
        let fixture = WeatherFixture(fromLocalMidnight: "2024-03-09", days: 3)
        let server = try LoopbackServer(body: fixture.json)
        defer { server.stop() }
        var url = URLComponents(url: server.url, resolvingAgainstBaseURL: false)!
        url.queryItems = [URLQueryItem(name: "apikey", value: "s3cret")]
        let summary = try harness.loader().fetch(url.url!, range: .dates(LocalDate("2024-03-09")!, LocalDate("2024-03-11")!),
                                                 on: harness.connection)
        #expect(summary.inserted == 72 && summary.issuedAt == nil)
        let query = Self.query(try #require(server.requests.first))
        #expect(query["start_date"] == "2024-03-09" && query["end_date"] == "2024-03-11" && query["apikey"] == "s3cret")
        #expect(!summary.source.contains("s3cret"))
        #expect(try harness.int("select count(*) as n from \(WeatherHarness.table) where source like '%s3cret%'") == 0)
    }

    @Test("an HTTP error and an unreachable endpoint fail with a sentence naming the URL, writing nothing")
    func failures() throws {
        let harness = try WeatherHarness("wxurlerr")
        let server = try LoopbackServer(status: 400, body: #"{"error":true,"reason":"Parameter 'hourly' is invalid"}"#)
        defer { server.stop() }
        do {
            _ = try harness.loader().fetch(server.url, range: .relative(pastDays: 0, forecastDays: 1), on: harness.connection)
            Issue.record("expected HTTP 400 to fail")
        } catch let error as WeatherLoadError {
            guard case let .httpStatus(_, status, body) = error else { Issue.record("wrong error \(error)"); return }
            #expect(status == 400 && body.contains("is invalid"))
        }
        // A port nothing listens on (the server above is gone once stopped and closed).
        let closed = try LoopbackServer(body: "{}", limit: 0)
        Thread.sleep(forTimeInterval: 0.3)
        do {
            _ = try harness.loader().fetch(closed.url, range: .relative(pastDays: 0, forecastDays: 1), on: harness.connection, timeoutSeconds: 5)
            Issue.record("expected a refused connection to fail")
        } catch let error as WeatherLoadError {
            guard case .fetchFailed = error else { Issue.record("wrong error \(error)"); return }
            #expect(error.description.contains("127.0.0.1:\(closed.port)"))
        }
        #expect(try harness.int("select count(*) as n from \(WeatherHarness.table)") == 0)
    }
}
