import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory

/// How an experiment's χ²_E of N_E points is mapped to a standard-normal equivalent S_E, so that one
/// confidence level applies to experiments of any size (CT's tier-2 criterion).
package enum GaussianEquivalent: String, Sendable, Codable, CaseIterable {
    /// S_E = √(2χ²_E) − √(2N_E − 1): Fisher's approximation, the mapping of CT10/CT14 (Lai et al. 2010,
    /// Dulat et al. 2016).
    case fisher
    /// S_E = [(χ²_E/N_E)^{1/3} − (1 − 2/(9N_E))] / √(2/(9N_E)): the Wilson–Hilferty transform, closer to
    /// the exact χ² quantiles at small N_E (the refinement CT18 makes for small experiments).
    case wilsonHilferty = "wilson-hilferty"

    /// S_E for χ²_E of N_E points.
    package func value(chi2: Double, points n: Int) -> Double {
        let nd = Double(n)
        switch self {
        case .fisher: return (2 * max(chi2, 0)).squareRoot() - (2 * nd - 1).squareRoot()
        case .wilsonHilferty:
            let v = 2 / (9 * nd)
            return (cbrt(max(chi2, 0) / nd) - (1 - v)) / v.squareRoot()
        }
    }

    /// The one-sided 90% point of the standard normal, Φ⁻¹(0.90): an experiment with S_E above it is
    /// outside its 90% confidence range.
    package static let level90 = 1.2815515655446004
}
