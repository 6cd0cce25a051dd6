import Foundation

/// Number and column formatting for terminal tables.
package enum Fmt {
    /// Fixed-point with `digits` decimals.
    package static func fixed(_ x: Double, _ digits: Int) -> String {
        x.isFinite ? String(format: "%.\(digits)f", x) : String(describing: x)
    }
    /// Compact general format, right-aligned to `width`.
    package static func num(_ x: Double, width: Int = 12, digits: Int = 6) -> String {
        pad(x.isFinite ? String(format: "%.\(digits)g", x) : String(describing: x), width, right: true)
    }
    /// Pads (or keeps) `s` to `width` characters.
    package static func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
        let n = s.count
        if n >= width { return s + (right ? "" : " ") }
        let fill = String(repeating: " ", count: width - n)
        return right ? fill + s : s + fill
    }
    /// Pretty JSON of an `Encodable` value (sorted keys).
    package static func json<T: Encodable>(_ value: T) throws -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try enc.encode(value), as: UTF8.self)
    }
}
