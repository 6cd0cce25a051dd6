import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory

/// A uniform prior on a box: π(θ) = 1/V inside [lower, upper] (per parameter, by name), 0 outside.
package struct UniformBoxPrior: Sendable, Codable, Equatable {
    /// Ranges by parameter name.
    package var ranges: [String: ValueRange]

    /// Creates a prior from ranges (checked against a model by `box(for:)`).
    package init(ranges: [String: ValueRange]) { self.ranges = ranges }

    /// The box in the order of `names`; throws one line when a parameter has no range, or a range is
    /// unbounded or empty. Ranges of parameters not in `names` are ignored (one prior can serve two
    /// parametrisations).
    package func box(for names: [String]) throws -> (lower: [Double], upper: [Double]) {
        var lower: [Double] = [], upper: [Double] = []
        for n in names {
            guard let r = ranges[n] else {
                throw SettingError(.prior, "no range for parameter '\(n)' (every parameter needs name=lo:hi)")
            }
            guard r.lower.isFinite, r.upper.isFinite else { throw SettingError(.prior, n, "the range must be bounded, got \(r.lower):\(r.upper)") }
            guard r.lower < r.upper else { throw SettingError(.prior, n, "lower \(r.lower) must be below upper \(r.upper)") }
            // A width that overflows makes the prior volume infinite and log Z NaN.
            guard (r.upper - r.lower).isFinite else {
                throw SettingError(.prior, n, "the width \(r.upper) − (\(r.lower)) overflows a double; give a narrower range")
            }
            lower.append(r.lower); upper.append(r.upper)
        }
        if ranges.isEmpty { throw SettingError(.prior, "give name=lo:hi for every parameter") }
        return (lower, upper)
    }

    /// Reads a prior file: a JSON object {"name": [lo, hi], ...}. Throws one line naming the file.
    package static func read(_ path: String) throws -> UniformBoxPrior {
        guard let data = FileManager.default.contents(atPath: path) else { throw PDFEmuError(file: path, "cannot read the prior file") }
        let obj: [String: [Double]]
        do { obj = try JSONDecoder().decode([String: [Double]].self, from: data) } catch {
            throw PDFEmuError(file: path, "not a JSON object of name: [lo, hi] (numbers)")
        }
        var ranges: [String: ValueRange] = [:]
        for (k, v) in obj {
            guard v.count == 2 else { throw PDFEmuError(file: path, "'\(k)' is not [lo, hi]") }
            ranges[k] = ValueRange(lower: v[0], upper: v[1])
        }
        return UniformBoxPrior(ranges: ranges)
    }
}

/// The checked box of a prior over one model's parameters.
struct PriorBox: Sendable {
    let lower: [Double]
    let upper: [Double]
    /// log V = Σ log(upper − lower).
    var logVolume: Double { zip(lower, upper).reduce(0) { $0 + log($1.1 - $1.0) } }
    func contains(_ t: [Double]) -> Bool { t.indices.allSatisfy { t[$0] >= lower[$0] && t[$0] <= upper[$0] } }
    /// A uniform point of the box.
    func sample(_ rng: inout SeededGenerator) -> [Double] { lower.indices.map { rng.nextUniform(in: lower[$0], upper[$0]) } }
}

extension Setting {
    /// The uniform prior box of the evidence.
    package static let prior = Setting("evidence.prior")
}
