import CXGBoost

// The C ABI between the PostgreSQL shim (extension/src/gridcast_pg.c) and Swift. Nothing here may
// trap: a Swift trap inside a backend takes the whole cluster through crash recovery. Every size is
// checked before anything is indexed, and errors come back as a code plus a message that the shim
// raises with ereport (which longjmps, so it must not run inside Swift frames).

/// The cache key of a model passed as JSON text: a hash of its bytes. The shim computes it once per
/// query for a model that is a constant or parameter of the query, not once per row.
@_cdecl("gridcast_core_content_key")
public func gridcastCoreContentKey(_ model: UnsafeRawPointer?, _ modelLength: Int) -> UInt64 {
    ExtensionModels.key(UnsafeRawBufferPointer(start: model, count: max(0, modelLength))).hash
}

/// Scores `rows` x `columns` values (row-major, NaN = missing) with the model cached under `key`,
/// loading it from the XGBoost JSON in `model` when it is not cached. Writes one prediction per row,
/// or with `contributions` set the SHAP values of each row (`columns` + 1 per row, the last the bias).
/// Returns 0, or an error code with `errorBuffer` filled in.
///
/// Keys: a model passed as text has `gridcast_core_content_key` and `keyLength` = its byte length;
/// a registry row has a key made of its table, id and xmin and `keyLength` = -1. `model` may be NULL,
/// and then, when the key is not cached, nothing is scored and the result is 4, so the caller reads
/// a registry row's JSON only when it is needed and calls again with it.
@_cdecl("gridcast_core_score")
public func gridcastCoreScore(_ key: UInt64, _ keyLength: Int, _ model: UnsafeRawPointer?, _ modelLength: Int,
                                   _ values: UnsafePointer<Double>?, _ rows: Int, _ columns: Int, _ contributions: Int32,
                                   _ out: UnsafeMutablePointer<Double>?, _ outCapacity: Int,
                                   _ errorBuffer: UnsafeMutablePointer<CChar>?, _ errorCapacity: Int) -> Int32 {
    let cacheKey = ExtensionModels.ModelKey(hash: key, length: keyLength)
    if model == nil, ExtensionModels.cache[cacheKey] == nil { return 4 }
    do {
        let loaded = try ExtensionModels.model(cacheKey, UnsafeRawBufferPointer(start: model, count: max(0, modelLength)))
        try score(loaded, values: values, rows: rows, columns: columns, contributions: contributions != 0,
                  out: out, outCapacity: outCapacity)
        return 0
    } catch {
        write(error.message, to: (errorBuffer, errorCapacity))
        return error.code
    }
}

/// How many values `gridcast_core_score` writes for `rows` rows of `columns` values.
@_cdecl("gridcast_core_output_count")
public func gridcastCoreOutputCount(_ rows: Int, _ columns: Int, _ contributions: Int32) -> Int {
    outputCount(rows: rows, columns: columns, contributions: contributions != 0)
}

/// One prediction per row, or per row one contribution per feature plus the bias.
func outputCount(rows: Int, columns: Int, contributions: Bool) -> Int {
    contributions ? rows * (columns + 1) : rows
}

/// XGBoost threads per prediction; loaded models are dropped so the next use applies it.
@_cdecl("gridcast_core_set_threads")
public func gridcastCoreSetThreads(_ threads: Int32) {
    ExtensionModels.threads = max(1, threads)
    ExtensionModels.clear()
}

/// The libxgboost loaded in this backend, e.g. "1.7.4".
@_cdecl("gridcast_core_xgboost_version")
public func gridcastCoreXGBoostVersion(_ buffer: UnsafeMutablePointer<CChar>?, _ capacity: Int) {
    var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
    XGBoostVersion(&major, &minor, &patch)
    write("\(major).\(minor).\(patch)", to: (buffer, capacity))
}

/// Copies `text` into a C buffer, truncated and always NUL-terminated.
func write(_ text: String, to buffer: (UnsafeMutablePointer<CChar>?, Int)) {
    guard let pointer = buffer.0, buffer.1 > 0 else { return }
    var index = 0
    for byte in text.utf8 where index < buffer.1 - 1 {
        pointer[index] = CChar(bitPattern: byte)
        index += 1
    }
    pointer[index] = 0
}

private func score(_ model: LoadedModel, values: UnsafePointer<Double>?, rows: Int, columns: Int,
                   contributions: Bool, out: UnsafeMutablePointer<Double>?, outCapacity: Int) throws(ExtensionError) {
    guard rows >= 0, columns >= 0, rows <= Int(Int32.max), columns <= 100_000 else {
        throw .wrongShape("\(rows) rows of \(columns) features is out of range")
    }
    guard columns == model.featureCount else {
        throw .wrongShape("the model takes \(model.featureCount) features; the row has \(columns)")
    }
    let expected = outputCount(rows: rows, columns: columns, contributions: contributions)
    guard rows > 0 else { return }
    guard let values, let out, outCapacity >= expected else { throw .wrongShape("no room for \(expected) results") }
    let floats = [Float](unsafeUninitializedCapacity: rows * columns) { buffer, count in
        for index in 0..<(rows * columns) { buffer[index] = Float(values[index]) }
        count = rows * columns
    }
    var matrix: DMatrixHandle?
    try floats.withUnsafeBufferPointer { (buffer) throws(ExtensionError) in
        try ExtensionModels.check(XGDMatrixCreateFromMat(buffer.baseAddress, UInt64(rows), UInt64(columns), Float.nan, &matrix),
                                  "XGDMatrixCreateFromMat")
    }
    guard let matrix else { throw .xgboost("XGDMatrixCreateFromMat returned no matrix") }
    defer { XGDMatrixFree(matrix) }
    // The same call and configuration as the gridcast executable's Booster.predict, so SQL and the
    // client give bit-identical predictions; type 2 asks for SHAP contributions.
    let config = "{\"type\": \(contributions ? 2 : 0), \"training\": false, \"iteration_begin\": 0, "
        + "\"iteration_end\": 0, \"strict_shape\": false}"
    var shape: UnsafePointer<UInt64>?
    var dimension: UInt64 = 0
    var result: UnsafePointer<Float>?
    try ExtensionModels.check(XGBoosterPredictFromDMatrix(model.handle, matrix, config, &shape, &dimension, &result),
                              "XGBoosterPredictFromDMatrix")
    guard let result, let shape, dimension >= 1 else { throw .xgboost("XGBoost returned no predictions") }
    var produced = 1
    for axis in 0..<Int(dimension) { produced *= Int(shape[axis]) }
    guard produced == expected else { throw .xgboost("XGBoost returned \(produced) values, expected \(expected)") }
    guard let blend = model.blend else {
        for index in 0..<expected { out[index] = Double(result[index]) }
        return
    }
    // The linear member blended in by the same code as the executable's (ModelCore), on the same floats.
    var blended = Array(UnsafeBufferPointer(start: result, count: expected))
    floats.withUnsafeBufferPointer { values in
        blended.withUnsafeMutableBufferPointer { output in
            if contributions {
                blend.blend(contributions: output, values: values, columns: columns)
            } else {
                blend.blend(predictions: output, values: values, columns: columns)
            }
        }
    }
    for index in 0..<expected { out[index] = Double(blended[index]) }
}
