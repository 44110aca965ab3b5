import CXGBoost

/// A failure inside XGBoost, with XGBoost's own message and the call that failed.
public struct XGBoostError: Error, CustomStringConvertible, Sendable {
    public let call: String
    public let message: String

    public var description: String { "XGBoost \(call) failed: \(message)" }

    /// Throws when an XGBoost C call returned non-zero, reading XGBGetLastError on the same thread.
    static func check(_ status: Int32, _ call: String) throws {
        guard status != 0 else { return }
        let message = XGBGetLastError().map { String(cString: $0) } ?? "unknown error"
        throw XGBoostError(call: call, message: message)
    }
}

/// The linked XGBoost library version, e.g. "1.7.4" (stored with each model).
public var xgboostVersion: String {
    var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
    XGBoostVersion(&major, &minor, &patch)
    return "\(major).\(minor).\(patch)"
}
