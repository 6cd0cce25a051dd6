import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuNetwork
import PDFEmuTheory
import PDFEmuAnalysis
import PDFEmuLearn

/// Axis helpers: "nice" tick positions (1, 2, 5 × 10ᵏ steps) and their labels.
package enum PlotAxis {
    /// Tick step and values covering [lo, hi] with about `target` ticks (at least 2 for a non-empty range).
    package static func niceTicks(_ lo: Double, _ hi: Double, target: Int = 6) -> (step: Double, values: [Double]) {
        guard lo.isFinite, hi.isFinite, hi > lo else { return (1, lo.isFinite ? [lo] : []) }
        let raw = (hi - lo) / Double(max(target - 1, 1))
        let mag = pow(10, floor(log10(raw)))
        let f = raw / mag
        let step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag
        var v: [Double] = []
        var t = ceil(lo / step - 1e-9) * step
        while t <= hi + step * 1e-9 {
            v.append(abs(t) < step * 1e-9 ? 0 : t)
            t += step
        }
        return (step, v)
    }

    /// A tick label with as many decimals as the step needs (scientific for very large or small values).
    package static func label(_ x: Double, step: Double) -> String {
        let big = max(abs(x), abs(step))
        if big >= 1e6 || (step < 1e-4 && abs(x) > 0) { return String(format: "%.3g", x) }
        let decimals = max(0, Int(-floor(log10(step) + 1e-9)))
        let s = String(format: "%.\(decimals)f", x)
        return s.hasPrefix("-") && Double(s) == 0 ? String(s.dropFirst()) : s
    }

    /// A padded data range covering `values` (padding `fraction` of the span each side; a zero span is widened).
    package static func range(of values: [Double], padding fraction: Double = 0.04) -> ClosedRange<Double> {
        let f = values.filter(\.isFinite)
        guard let lo = f.min(), let hi = f.max() else { return 0...1 }
        if hi == lo {
            let w = max(abs(lo) * 0.1, 1e-9)
            return (lo - w)...(hi + w)
        }
        let pad = (hi - lo) * fraction
        return (lo - pad)...(hi + pad)
    }

    /// Ticks of a split axis (`PlotXScale.logLinear`): decades 10ᵏ on [lo, split) labelled 10ᵏ with
    /// unlabelled minor ticks 2…9·10ᵏ, then the split and nice linear ticks on (split, hi].
    package static func logLinearTicks(_ lo: Double, _ split: Double, _ hi: Double) -> [(value: Double, label: String, major: Bool)] {
        var out: [(Double, String, Bool)] = []
        guard lo > 0, split > lo else { return out }
        var k = Int(floor(log10(lo) + 1e-9))
        while pow(10, Double(k)) < split * (1 - 1e-9) {
            let decade = pow(10, Double(k))
            if decade >= lo * (1 - 1e-9) { out.append((decade, powerOfTen(k), true)) }
            for m in 2...9 where Double(m) * decade >= lo && Double(m) * decade < split * (1 - 1e-9) {
                out.append((Double(m) * decade, "", false))
            }
            k += 1
        }
        // The split itself is always labelled (it joins the two scales); linear ticks too close to it are dropped.
        let t = niceTicks(split, hi, target: 6)
        out.append((split, label(split, step: min(t.step, split)), true))
        out += t.values.filter { $0 > split + 0.4 * t.step }.map { ($0, label($0, step: t.step), true) }
        return out
    }

    /// "10⁻⁴"-style text of 10ᵏ (plain decimals for k = −2 … 0).
    package static func powerOfTen(_ k: Int) -> String {
        if (-2...0).contains(k) { return label(pow(10, Double(k)), step: pow(10, Double(k))) }
        let sup: [Character: Character] = ["0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷",
                                           "8": "⁸", "9": "⁹", "-": "⁻"]
        return "10" + String(String(k).map { sup[$0] ?? $0 })
    }
}
