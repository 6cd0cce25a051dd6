import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory
/// The Hessian master formulas for a quantity X evaluated on an eigenvector set (members numbered as in
/// LHAPDF: X₀ central, X_{2k−1} and X_{2k} the + and − ends of direction k):
/// symmetric ΔX = ½·√Σ_k (X_{2k−1} − X_{2k})²,
/// asymmetric ΔX₊ = √Σ_k max(X_{2k−1} − X₀, X_{2k} − X₀, 0)², ΔX₋ = √Σ_k max(X₀ − X_{2k−1}, X₀ − X_{2k}, 0)².
package struct MasterUncertainty: Sendable, Codable, Equatable {
    /// Name of the quantity (the expression text or "model:FILE").
    package var name: String
    /// X₀ at the central member.
    package var central: Double
    /// Symmetric ΔX over the directions with both ends found.
    package var symmetric: Double
    /// Asymmetric ΔX₊ (upward), over the ends found.
    package var plus: Double
    /// Asymmetric ΔX₋ (downward, a positive number), over the ends found.
    package var minus: Double
    /// 1-based directions with an open end (left out of the symmetric sum; the found end still counts
    /// in the asymmetric sums).
    package var incompleteDirections: [Int]
    /// X at each member (2n+1 values, NaN for open ends).
    package var values: [Double]
    /// The Lagrange-scan interval of X at Δχ² = T² (nil when not computed).
    package var lagrange: ProfileInterval?

    /// Applies the master formulas to member values `x` (2n+1 values; NaN for members of open ends).
    package static func compute(name: String, values x: [Double], lagrange: ProfileInterval? = nil) -> MasterUncertainty {
        let n = (x.count - 1) / 2
        let x0 = x[0]
        var sym = 0.0, up = 0.0, down = 0.0
        var incomplete: [Int] = []
        for k in 1...max(n, 1) where n > 0 {
            let a = x[2 * k - 1], b = x[2 * k]
            if a.isFinite && b.isFinite { sym += (a - b) * (a - b) } else { incomplete.append(k) }
            let ends = [a, b].filter(\.isFinite)
            let u = ends.map { $0 - x0 }.max().map { max($0, 0) } ?? 0
            let d = ends.map { x0 - $0 }.max().map { max($0, 0) } ?? 0
            up += u * u; down += d * d
        }
        return MasterUncertainty(name: name, central: x0, symmetric: 0.5 * sym.squareRoot(), plus: up.squareRoot(),
                                 minus: down.squareRoot(), incompleteDirections: incomplete, values: x, lagrange: lagrange)
    }
}
