import PDFEmuCore
import PDFEmuIO
import PDFEmuNetwork
import PDFEmuTheory
import PDFEmuAnalysis
/// What an oracle returns for N points: the total χ² [N] and optionally the χ² of E experiments [N, E].
///
/// A row whose χ² or any per-experiment χ² is NaN or ±∞ is *undefined*: all its values are set to NaN,
/// it carries a reason, and `definedRows` / `scanData(points:)` leave it out, so it never reaches a fit
/// or a minimiser. Undefined rows are not errors.
public struct OracleResult: Sendable, Equatable {
    /// Total χ² [N]; NaN where the row is undefined.
    public private(set) var chi2: [Double]
    /// Experiment names [E] (empty: the oracle gives no per-experiment χ²).
    public private(set) var experimentNames: [String]
    /// Per-experiment χ² [N, E] row-major (empty when E = 0); NaN rows where undefined.
    public private(set) var chi2PerExperiment: [Double]
    /// Why each row is undefined [N] (nil: defined).
    public private(set) var undefinedReasons: [String?]
    /// Exact gradients [N, G] row-major with respect to `gradientNames`, when the oracle gives them (nil:
    /// values only). Rows of undefined points are NaN; a defined row is finite (`setGradient` checks).
    public private(set) var gradient: [Double]?
    /// The parameter each gradient column differentiates by [G] (empty without a gradient).
    public private(set) var gradientNames: [String]

    /// Number of points N.
    public var count: Int { chi2.count }
    /// Number of experiments E.
    public var experimentCount: Int { experimentNames.count }
    /// True if row `i` has finite values.
    public func isDefined(_ i: Int) -> Bool { undefinedReasons[i] == nil }
    /// Indices of the defined rows, ascending.
    public var definedRows: [Int] { chi2.indices.filter(isDefined) }
    /// Number of undefined rows.
    public var undefinedCount: Int { undefinedReasons.reduce(0) { $0 + ($1 == nil ? 0 : 1) } }

    /// An empty result with the given experiments (the start of a chunked evaluation).
    package init(experimentNames: [String] = []) {
        gradient = nil
        gradientNames = []
        chi2 = []
        self.experimentNames = experimentNames
        chi2PerExperiment = []
        undefinedReasons = []
    }

    /// Creates a result. `reasons[i]` (optional) explains an undefined row; any row with a non-finite value
    /// is undefined (reason: the oracle's, or which value is not finite). Throws if the shapes disagree
    /// or the experiment names repeat.
    public init(chi2: [Double], experimentNames: [String] = [], chi2PerExperiment: [Double] = [],
                reasons: [String?]? = nil) throws(OracleError) {
        gradient = nil
        gradientNames = []
        let n = chi2.count, e = experimentNames.count
        guard chi2PerExperiment.count == n * e else {
            throw OracleError(.wrongShape, "per-experiment χ² has \(chi2PerExperiment.count) values, expected [\(n), \(e)]")
        }
        guard Set(experimentNames).count == e else { throw OracleError(.wrongNames, "experiment names are not unique") }
        guard reasons == nil || reasons!.count == n else {
            throw OracleError(.wrongShape, "\(reasons!.count) undefined-row reasons for \(n) points")
        }
        self.chi2 = chi2
        self.experimentNames = experimentNames
        self.chi2PerExperiment = chi2PerExperiment
        self.undefinedReasons = reasons?.map { $0.flatMap { $0.isEmpty ? nil : $0 } } ?? Array(repeating: nil, count: n)
        for i in 0..<n {
            var why = undefinedReasons[i]
            if why == nil, !chi2[i].isFinite { why = "χ² is \(chi2[i])" }
            if why == nil, let j = (0..<e).first(where: { !chi2PerExperiment[i * e + $0].isFinite }) {
                why = "χ² of \(experimentNames[j]) is \(chi2PerExperiment[i * e + j])"
            }
            guard let why else { continue }
            undefinedReasons[i] = why
            self.chi2[i] = .nan
            for j in 0..<e { self.chi2PerExperiment[i * e + j] = .nan }
        }
    }

    /// Attaches gradients [N, G] (`names`: the G parameters, unique). Throws `.wrongShape` for a count
    /// other than N·G and `.wrongNames` for repeated names; a non-finite entry on a defined row is
    /// `.wrongShape` naming the row and parameter. Undefined rows become NaN.
    public mutating func setGradient(_ values: [Double], names: [String]) throws(OracleError) {
        let g = names.count
        guard values.count == count * g, g > 0 else {
            throw OracleError(.wrongShape, "gradient has \(values.count) values, expected [\(count), \(g)] (one row per point, one column per parameter)")
        }
        guard Set(names).count == g else { throw OracleError(.wrongNames, "gradient parameter names are not unique") }
        var v = values
        for i in 0..<count {
            if !isDefined(i) { for j in 0..<g { v[i * g + j] = .nan }; continue }
            if let j = (0..<g).first(where: { !v[i * g + $0].isFinite }) {
                throw OracleError(.wrongShape, "gradient of point \(i) by \(names[j]) is \(v[i * g + j]) at a defined point")
            }
        }
        gradient = v
        gradientNames = names
    }

    /// The gradient of row `i` in `gradientNames` order (nil without a gradient).
    public func gradient(row i: Int) -> [Double]? {
        guard let gradient else { return nil }
        let g = gradientNames.count
        return Array(gradient[(i * g)..<((i + 1) * g)])
    }

    /// Appends the rows of `other` (the next chunk). Throws if its experiments differ. The gradient is
    /// kept only when every chunk has one with the same parameters.
    package mutating func append(_ other: OracleResult) throws(OracleError) {
        let wasEmpty = count == 0
        if count == 0 && experimentNames.isEmpty { experimentNames = other.experimentNames }
        guard other.experimentNames == experimentNames else {
            throw OracleError(.wrongNames, "experiment names \(other.experimentNames.joined(separator: ",")) differ from the "
                              + "earlier points' \(experimentNames.isEmpty ? "(none)" : experimentNames.joined(separator: ","))")
        }
        if wasEmpty {
            gradient = other.gradient; gradientNames = other.gradientNames
        } else if let g = gradient, let og = other.gradient, gradientNames == other.gradientNames {
            gradient = g + og
        } else {
            gradient = nil; gradientNames = []
        }
        chi2 += other.chi2
        chi2PerExperiment += other.chi2PerExperiment
        undefinedReasons += other.undefinedReasons
    }

    /// The rows of `rows` (contiguous).
    package func rows(_ rows: Range<Int>) -> OracleResult {
        var r = self
        let e = experimentCount
        r.chi2 = Array(chi2[rows])
        r.chi2PerExperiment = Array(chi2PerExperiment[(rows.lowerBound * e)..<(rows.upperBound * e)])
        r.undefinedReasons = Array(undefinedReasons[rows])
        if let gradient {
            let g = gradientNames.count
            r.gradient = Array(gradient[(rows.lowerBound * g)..<(rows.upperBound * g)])
        }
        return r
    }

    /// The defined points with their χ², as a scan (for training or inspection); undefined rows are left
    /// out and counted in `droppedRows`. `points` must be the points this result answers.
    public func scanData(points: OraclePoints) -> ScanData {
        precondition(points.count == count, "points and result differ in length")
        let keep = definedRows, e = experimentCount
        return ScanData(parameterNames: points.parameterNames, parameters: keep.flatMap { points.point($0) },
                        chi2: keep.map { chi2[$0] }, experimentNames: experimentNames,
                        chi2PerExperiment: keep.flatMap { chi2PerExperiment[($0 * e)..<(($0 + 1) * e)] },
                        droppedRows: count - keep.count)
    }
}
