import Dispatch
import Features
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Warehouse

/// Which hours to ask an Open-Meteo-compatible endpoint for.
public enum WeatherFetchRange: Sendable, Equatable {
    /// `start_date` and `end_date` (local dates of the location's zone), as the Historical
    /// Weather API requires.
    case dates(LocalDate, LocalDate)
    /// `past_days` and `forecast_days`, as the Forecast API takes.
    case relative(pastDays: Int, forecastDays: Int)
}

extension WeatherLoader {
    /// Fetches hourly weather for the location from `url` (e.g. https://api.open-meteo.com/v1/forecast
    /// or https://archive-api.open-meteo.com/v1/archive) and loads the JSON response.
    ///
    /// Query parameters already in `url` are kept; Gridcast adds those it lacks: `latitude` and
    /// `longitude` of the location, `hourly` with every stored variable, `timezone` (the location's
    /// zone, which sets the local days of `start_date`/`end_date`), `timeformat=unixtime` (UTC
    /// instants, so no local label has to be interpreted), `temperature_unit=celsius`,
    /// `wind_speed_unit=kmh`, and the range. A forecast without `issuedAt` in the options is
    /// issued at the instant the request was sent, to the second. An `apikey` parameter is masked
    /// wherever the URL is recorded (`source`, rejects, logs, run log).
    public func fetch(_ url: URL, range: WeatherFetchRange, on connection: Connection, runLog: RunLog? = nil,
                      timeoutSeconds: Double = 60) throws -> WeatherLoadSummary {
        let site = try WeatherSite.lookup(options.location, layout: layout, on: connection)
        let request = try Self.requestURL(url, site: site, range: range)
        let sentAt = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let source = "\(Self.masked(request)) (fetched \(TimestampText.utc(sentAt)))"
        return try logged(runLog, source: source) { runID in
            if options.kind == .observed, options.issuedAt != nil { throw WeatherLoadError.issuedAtForObserved }
            logger.info("fetching weather", metadata: ["url": "\(Self.masked(request))"])
            let data = try HTTPFetch.get(request, timeoutSeconds: timeoutSeconds)
            let issuedAt = options.kind == .forecast ? (options.issuedAt ?? sentAt) : nil
            return try load(data: data, source: source, issuedAt: issuedAt, on: connection, runID: runID)
        }
    }

    /// The request URL: `url` with the standard Open-Meteo parameters it does not already have.
    static func requestURL(_ url: URL, site: WeatherSite, range: WeatherFetchRange) throws -> URL {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw WeatherLoadError.fetchFailed(url: url.absoluteString, reason: "only http and https URLs can be fetched")
        }
        var items = components.queryItems ?? []
        func add(_ name: String, _ value: String) {
            if !items.contains(where: { $0.name == name }) { items.append(URLQueryItem(name: name, value: value)) }
        }
        add("latitude", "\(site.latitude)")
        add("longitude", "\(site.longitude)")
        add("hourly", WeatherVariable.allCases.map(\.rawValue).joined(separator: ","))
        add("timezone", site.timeZone)
        add("timeformat", "unixtime")
        add("temperature_unit", "celsius")
        add("wind_speed_unit", "kmh")
        let hasRange = items.contains { ["start_date", "end_date", "past_days", "forecast_days"].contains($0.name) }
        if !hasRange {
            switch range {
            case let .dates(start, end):
                add("start_date", start.description)
                add("end_date", end.description)
            case let .relative(pastDays, forecastDays):
                add("past_days", String(pastDays))
                add("forecast_days", String(forecastDays))
            }
        }
        components.queryItems = items
        // URLComponents leaves "," and ":" as they are; Open-Meteo reads both.
        guard let result = components.url else {
            throw WeatherLoadError.fetchFailed(url: url.absoluteString, reason: "the URL cannot be extended with query parameters")
        }
        return result
    }

    /// The URL with the value of any `apikey` parameter replaced by `***`.
    static func masked(_ url: URL) -> String {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false), let items = components.queryItems else {
            return url.absoluteString
        }
        components.queryItems = items.map { $0.name.lowercased() == "apikey" ? URLQueryItem(name: $0.name, value: "***") : $0 }
        components.password = components.password == nil ? nil : "***"
        return components.url?.absoluteString ?? url.absoluteString
    }
}

/// Blocking HTTP over URLSession (libcurl on Linux), for command-line tools: a GET for the weather
/// loader and a POST for notifications.
public enum HTTPFetch {
    private final class Outcome: @unchecked Sendable {
        private let lock = NSLock()
        private var value: (Data?, URLResponse?, Error?) = (nil, nil, nil)
        func set(_ data: Data?, _ response: URLResponse?, _ error: Error?) { lock.withLock { value = (data, response, error) } }
        var result: (Data?, URLResponse?, Error?) { lock.withLock { value } }
    }

    /// Why a request got no answer (refused, timed out, TLS failed).
    public struct TransportError: Error {
        public let reason: String
    }

    /// Sends `request` and waits for the answer: body and HTTP status.
    public static func send(_ request: URLRequest, timeoutSeconds: Double) throws(TransportError) -> (Data, Int?) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeoutSeconds
        configuration.timeoutIntervalForResource = timeoutSeconds
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        let task = session.dataTask(with: request) { data, response, error in
            outcome.set(data, response, error)
            done.signal()
        }
        task.resume()
        if done.wait(timeout: .now() + timeoutSeconds + 5) == .timedOut {
            task.cancel()
            throw TransportError(reason: "no answer within \(Int(timeoutSeconds)) s")
        }
        let (data, response, error) = outcome.result
        if let error { throw TransportError(reason: (error as NSError).localizedDescription) }
        return (data ?? Data(), (response as? HTTPURLResponse)?.statusCode)
    }

    static func get(_ url: URL, timeoutSeconds: Double) throws -> Data {
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeoutSeconds)
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        request.setValue("gridcast", forHTTPHeaderField: "User-Agent")
        let data: Data, status: Int?
        do {
            (data, status) = try send(request, timeoutSeconds: timeoutSeconds)
        } catch {
            throw WeatherLoadError.fetchFailed(url: WeatherLoader.masked(url), reason: error.reason)
        }
        if let status, !(200..<300).contains(status) {
            // Open-Meteo explains errors as {"error":true,"reason":"..."}.
            let body = String(decoding: data.prefix(300), as: UTF8.self)
            throw WeatherLoadError.httpStatus(url: WeatherLoader.masked(url), status: status, body: body)
        }
        return data
    }
}
