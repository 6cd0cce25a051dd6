import Foundation
import PDFEmu

/// Parsing of the `pdfemu scan` option strings into `ScanOptions` pieces; each error is one line
/// naming the option and the offending text.
enum ScanOptionParsing {
    /// "1,10,100" → [1, 10, 100].
    static func numbers(_ text: String, option: String) throws -> [Double] {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !parts.isEmpty else { throw PDFEmuError(flag: option, "empty list") }
        return try parts.map { s in
            guard let v = Double(s), v.isFinite else { throw PDFEmuError(flag: option, "'\(s)' is not a number") }
            return v
        }
    }

    /// "a=1,b=-2.5" → ["a": 1, "b": -2.5].
    static func assignments(_ text: String, option: String) throws -> [String: Double] {
        var out: [String: Double] = [:]
        for item in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let kv = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2, !kv[0].isEmpty, let v = Double(kv[1]), v.isFinite else {
                throw PDFEmuError(flag: option, "'\(item)' is not name=value")
            }
            if out[kv[0]] != nil { throw PDFEmuError(flag: option, "'\(kv[0])' given twice") }
            out[kv[0]] = v
        }
        return out
    }

    /// "a=0:1,b=-2:2" → ranges by name (lower < upper).
    static func ranges(_ text: String, option: String) throws -> [String: ValueRange] {
        var out: [String: ValueRange] = [:]
        for item in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let kv = item.split(separator: "=", maxSplits: 1).map(String.init)
            let lohi = kv.count == 2 ? kv[1].split(separator: ":").map(String.init) : []
            guard kv.count == 2, !kv[0].isEmpty, lohi.count == 2, let lo = Double(lohi[0]), let hi = Double(lohi[1]),
                  lo.isFinite, hi.isFinite else {
                throw PDFEmuError(flag: option, "'\(item)' is not name=lo:hi")
            }
            guard lo < hi else { throw PDFEmuError(flag: option, "'\(item)': lower end must be below upper end") }
            if out[kv[0]] != nil { throw PDFEmuError(flag: option, "'\(kv[0])' given twice") }
            out[kv[0]] = ValueRange(lower: lo, upper: hi)
        }
        return out
    }

    /// "a,b" → ["a", "b"] (two different names).
    static func pair(_ text: String, option: String) throws -> [String] {
        let p = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard p.count == 2, !p[0].isEmpty, !p[1].isEmpty else { throw PDFEmuError(flag: option, text, "expected two names a,b") }
        guard p[0] != p[1] else { throw PDFEmuError(flag: option, text, "names the same parameter twice") }
        return p
    }

    /// "all" → nil (every free parameter), "none" → [], else the comma-separated names.
    static func parameterList(_ text: String) throws -> [String]? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t == "all" { return nil }
        if t == "none" { return [] }
        let names = t.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !names.isEmpty, names.allSatisfy({ !$0.isEmpty }) else { throw SettingError(.profileParameters, "'\(text)' is not a list of names") }
        return names
    }
}
