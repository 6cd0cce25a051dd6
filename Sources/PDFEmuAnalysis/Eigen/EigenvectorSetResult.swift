import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory
/// An eigenvector set at Δχ² = T²: the minimum, the basis, each direction's ends (found by root finding
/// on χ² itself, with the quadratic prediction beside them), the master-formula uncertainties of the
/// requested quantities and, if computed, the dynamic (tier-2) tolerance sets.
package struct EigenvectorSetResult: Sendable, Codable, Equatable {
    /// Parameter names (order of every θ).
    package var parameterNames: [String]
    /// Per-experiment output names of the model (empty if none).
    package var experimentNames: [String]
    /// T² of the members.
    package var tolerance: Double
    /// The global minimum (member 0).
    package var minimum: ScanMinimum
    /// The Hessian analysis at the minimum.
    package var hessian: HessianAnalysis
    /// The directions used (Hessian or iterated basis).
    package var basis: EigenBasis
    /// Each direction with its ends, k = 1…n.
    package var directions: [EigenDirection]
    /// Master-formula uncertainties (with Lagrange intervals when asked for).
    package var quantities: [MasterUncertainty]
    /// Dynamic-tolerance sets (nil when not asked for).
    package var dynamic: DynamicToleranceResult?
    /// Problems found (open ends, ends outside the training region, basis warnings).
    package var warnings: [String]

    /// Members numbered as in LHAPDF: row 0 the minimum, rows 2k−1 and 2k the + and − ends of direction k
    /// (2n+1 rows of P values; a row of NaN for an open end).
    package var members: [[Double]] { EigenDirection.members(central: minimum.theta, directions.map { ($0.plus.theta, $0.minus.theta) }) }

    /// Whether each member exists (false for open ends).
    package var memberFound: [Bool] { [true] + directions.flatMap { [$0.plus.theta != nil, $0.minus.theta != nil] } }
}

extension EigenDirection {
    /// LHAPDF member rows from a centre and (+, −) ends per direction; NaN rows for missing ends.
    static func members(central: [Double], _ ends: [([Double]?, [Double]?)]) -> [[Double]] {
        let nan = [Double](repeating: .nan, count: central.count)
        return [central] + ends.flatMap { [$0.0 ?? nan, $0.1 ?? nan] }
    }
}
