import Foundation
import PDFEmuCore
import PDFEmuIO

/// Strict reading of a JSON configuration: every key must be known, every value of the right type and
/// range; errors name the full key ("training.learning_rate").
struct JSONObject {
    let values: [String: Any]
    let path: String
    let file: String
    private(set) var used: Set<String> = []

    init(_ values: [String: Any], path: String, file: String) {
        self.values = values
        self.path = path
        self.file = file
    }

    /// Parses a file's top-level object.
    static func parse(file: String) throws -> JSONObject {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw PDFEmuError(file: file, "cannot read config file (missing or unreadable)")
        }
        let obj: Any
        do { obj = try JSONSerialization.jsonObject(with: data) } catch {
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "invalid JSON"
            throw PDFEmuError(file: file, "not valid JSON: \(detail)")
        }
        guard let dict = obj as? [String: Any] else { throw PDFEmuError(file: file, "the config must be a JSON object") }
        return JSONObject(dict, path: "", file: file)
    }

    func key(_ k: String) -> String { path.isEmpty ? k : "\(path).\(k)" }
    func fail(_ k: String, _ why: String) -> PDFEmuError { PDFEmuError(.key(file: file, key: key(k)), why) }

    mutating func raw(_ k: String) -> Any? {
        used.insert(k)
        guard let v = values[k], !(v is NSNull) else { return nil }
        return v
    }

    mutating func object(_ k: String) throws -> JSONObject? {
        guard let v = raw(k) else { return nil }
        guard let d = v as? [String: Any] else { throw fail(k, "must be an object") }
        return JSONObject(d, path: key(k), file: file)
    }

    mutating func double(_ k: String, _ def: Double, min: Double? = nil, max: Double? = nil,
                         exclusiveMin: Bool = false) throws -> Double {
        guard let v = raw(k) else { return def }
        guard !isBool(v), let n = v as? NSNumber else { throw fail(k, "must be a number") }
        let x = n.doubleValue
        guard x.isFinite else { throw fail(k, "must be finite") }
        if let min, exclusiveMin ? x <= min : x < min { throw fail(k, "must be \(exclusiveMin ? ">" : "≥") \(min), got \(x)") }
        if let max, x > max { throw fail(k, "must be ≤ \(max), got \(x)") }
        return x
    }

    /// A number, or nil when the key is null; `absent` when the key is missing.
    mutating func optionalDouble(_ k: String, min: Double? = nil, exclusiveMin: Bool = false, absent: Double? = nil) throws -> Double? {
        guard values[k] != nil else { used.insert(k); return absent }
        guard !(values[k] is NSNull) else { used.insert(k); return nil }
        return try double(k, 0, min: min, exclusiveMin: exclusiveMin)
    }

    mutating func int(_ k: String, _ def: Int, min: Int? = nil, max: Int? = nil) throws -> Int {
        guard let v = raw(k) else { return def }
        let x = try integer(v, k, min: min, max: max)
        return x
    }

    /// An unsigned 64-bit integer (0…2⁶⁴−1), e.g. a seed.
    mutating func uint64(_ k: String, _ def: UInt64) throws -> UInt64 {
        guard let v = raw(k) else { return def }
        guard !isBool(v), let n = v as? NSNumber else { throw fail(k, "must be an integer in 0…\(UInt64.max)") }
        if let u = UInt64(n.stringValue) { return u }
        let d = n.doubleValue
        guard d == d.rounded(), d >= 0, d < 18446744073709551616.0 else { throw fail(k, "must be an integer in 0…\(UInt64.max), got \(n.stringValue)") }
        return UInt64(d)
    }

    /// `v` as an Int in min…max (checked before converting, so huge values cannot wrap).
    func integer(_ v: Any, _ k: String, min: Int?, max: Int?) throws -> Int {
        guard !isBool(v), let n = v as? NSNumber, n.doubleValue == n.doubleValue.rounded() else { throw fail(k, "must be an integer") }
        let d = n.doubleValue
        if let min, d < Double(min) { throw fail(k, "must be ≥ \(min), got \(n.stringValue)") }
        if let max, d > Double(max) { throw fail(k, "must be ≤ \(max), got \(n.stringValue)") }
        guard abs(d) < 9.0e18 else { throw fail(k, "is too large, got \(n.stringValue)") }
        return n.intValue
    }

    mutating func bool(_ k: String, _ def: Bool) throws -> Bool {
        guard let v = raw(k) else { return def }
        guard isBool(v), let b = v as? Bool else { throw fail(k, "must be true or false") }
        return b
    }

    mutating func string(_ k: String, _ def: String?) throws -> String? {
        guard let v = raw(k) else { return def }
        guard let s = v as? String else { throw fail(k, "must be a string") }
        return s
    }

    mutating func choice<E: RawRepresentable & CaseIterable>(_ k: String, _ def: E) throws -> E where E.RawValue == String {
        guard let s = try string(k, nil) else { return def }
        guard let e = E(rawValue: s) else {
            throw fail(k, "must be one of \(E.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(s)\"")
        }
        return e
    }

    mutating func strings(_ k: String, _ def: [String]) throws -> [String] {
        guard let v = raw(k) else { return def }
        if let s = v as? String { return [s] }
        guard let a = v as? [Any], let s = a as? [String] else { throw fail(k, "must be a list of strings") }
        return s
    }

    mutating func ints(_ k: String, _ def: [Int], min: Int, max: Int? = nil) throws -> [Int] {
        guard let v = raw(k) else { return def }
        guard let a = v as? [Any] else { throw fail(k, "must be a list of integers") }
        return try a.enumerated().map { i, e in try integer(e, "\(k)[\(i)]", min: min, max: max) }
    }

    /// Throws if the object has keys that were never read.
    func finish() throws {
        if let extra = values.keys.sorted().first(where: { !used.contains($0) }) {
            throw PDFEmuError(.key(file: file, key: key(extra)), "unknown key")
        }
    }
}

/// True if a value decoded by JSONSerialization is a JSON boolean (not a number 0 or 1).
func isBool(_ v: Any) -> Bool {
    if type(of: v) == Bool.self { return true }
    let name = String(describing: type(of: v))
    return name == "__NSCFBoolean" || name == "__NSCFBooleanNumber" || name == "_NSCFBoolean"
}
