import CXGBoost
#if canImport(ModelCore)
import ModelCore  // in extension/build, ModelCore's files are compiled into this module instead
#endif

/// XGBoost models loaded inside a PostgreSQL backend, kept per backend so a query that scores
/// thousands of rows parses its model once. A backend runs one query at a time on one thread, so
/// the cache needs no lock; it is not shared between backends.
///
/// No Foundation here: the extension links the Swift runtime statically into the server, and the
/// less of it the better (the prototype saw a statically linked Foundation drop its ICU calendars).
struct LoadedModel {
    let handle: BoosterHandle
    let featureCount: Int
    /// The linear member blended into the trees, when the model document carries one (LinearBlend).
    let blend: LinearBlend?
}

enum ExtensionModels {
    /// Models by content hash. Small: a query uses one or a few models; a full cache is emptied.
    nonisolated(unsafe) static var cache: [ModelKey: LoadedModel] = [:]
    static let capacity = 16
    /// XGBoost threads per prediction (`gridcast.xgboost_threads`, set by the C shim).
    nonisolated(unsafe) static var threads: Int32 = 1

    /// A model passed as text is keyed by its content; a registry row by (table, model_id, xmin),
    /// with length -1, so an updated row (new xmin) is a new key and never served stale.
    struct ModelKey: Hashable {
        let hash: UInt64
        let length: Int
    }

    /// FNV-1a over the model text: a different model (or a changed registry row) is a different key.
    static func key(_ bytes: UnsafeRawBufferPointer) -> ModelKey {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return ModelKey(hash: hash, length: bytes.count)
    }

    /// The model for these bytes, loaded on first use.
    static func model(_ bytes: UnsafeRawBufferPointer) throws(ExtensionError) -> LoadedModel {
        try model(key(bytes), bytes)
    }

    /// The model cached under `key`, loaded from `bytes` when it is not.
    static func model(_ key: ModelKey, _ bytes: UnsafeRawBufferPointer) throws(ExtensionError) -> LoadedModel {
        if let model = cache[key] { return model }
        guard !bytes.isEmpty, let base = bytes.baseAddress else { throw .badModel("the model is empty") }
        // XGBoost's JSON reader wants the document, not a prefix: a model must start with '{'.
        guard bytes.first == UInt8(ascii: "{") else {
            throw .badModel("the model is not XGBoost JSON (it must begin with '{'; save it with format json)")
        }
        // libxgboost trusts a tree's node indices and crashes on bad ones; a crashed backend restarts the cluster.
        let document = Array(bytes)
        do throws(TreeCheck.Problem) {
            try TreeCheck.check(document)
        } catch {
            throw ExtensionError.badModel(error.description)
        }
        var handle: BoosterHandle?
        try check(XGBoosterCreate(nil, 0, &handle), "XGBoosterCreate")
        guard let handle else { throw .xgboost("XGBoosterCreate returned no booster") }
        do throws(ExtensionError) {
            try check(XGBoosterLoadModelFromBuffer(handle, base, UInt64(bytes.count)), "XGBoosterLoadModelFromBuffer",
                      model: true)
            try check(XGBoosterSetParam(handle, "nthread", String(threads)), "XGBoosterSetParam(nthread)")
            var features: UInt64 = 0
            try check(XGBoosterGetNumFeature(handle, &features), "XGBoosterGetNumFeature", model: true)
            guard features > 0, features < 100_000 else {
                throw ExtensionError.badModel("the model has \(features) features")
            }
            let blend: LinearBlend?
            do throws(LinearBlend.Problem) {
                blend = try LinearBlend.read(from: document)
                try blend?.check(featureCount: Int(features))
            } catch {
                throw ExtensionError.badModel(error.description)
            }
            if cache.count >= capacity { clear() }
            let model = LoadedModel(handle: handle, featureCount: Int(features), blend: blend)
            cache[key] = model
            return model
        } catch {
            XGBoosterFree(handle)
            throw error
        }
    }

    static func clear() {
        for model in cache.values { XGBoosterFree(model.handle) }
        cache.removeAll()
    }

    static func check(_ status: Int32, _ call: String, model: Bool = false) throws(ExtensionError) {
        guard status != 0 else { return }
        let message = XGBGetLastError().map { String(cString: $0) } ?? "unknown error"
        throw model ? .badModel("XGBoost cannot read it: \(firstLine(message))") : .xgboost("\(call): \(firstLine(message))")
    }

    /// XGBoost's messages carry a stack trace after the first line; the first says what went wrong.
    static func firstLine(_ text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        let useful = lines.first { !$0.hasPrefix("[") || $0.contains(":") } ?? lines.first ?? ""
        return String(useful.prefix(300))
    }
}

/// What goes wrong in the extension's Swift part; the C shim turns it into an ERROR with a hint.
enum ExtensionError: Error {
    case badModel(String)
    case wrongShape(String)
    case xgboost(String)

    var code: Int32 {
        switch self {
        case .badModel: return 1
        case .wrongShape: return 2
        case .xgboost: return 3
        }
    }

    var message: String {
        switch self {
        case let .badModel(text): return "invalid XGBoost model: \(text)"
        case let .wrongShape(text): return text
        case let .xgboost(text): return "XGBoost failed: \(text)"
        }
    }
}
