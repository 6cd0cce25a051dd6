import Foundation
import PDFEmuCore
import PDFEmuIO

/// The digamma and trigamma functions ψ(x) = d ln Γ(x)/dx and ψ′(x) = d²ln Γ(x)/dx², for x > 0:
/// the derivatives of the sum-rule Beta functions. Both use the recurrence ψ(x) = ψ(x+1) − 1/x
/// (ψ′(x) = ψ′(x+1) + 1/x²) up to x ≥ 10, then the asymptotic (Bernoulli) series to x⁻¹⁴/x⁻¹⁵,
/// whose first omitted term is below 1e-17 there: absolute accuracy ~1e-15 (relative 1e-14 away
/// from ψ's root at x ≈ 1.4616).
package enum Polygamma {
    /// ψ(x) for x > 0 (NaN for x ≤ 0 or NaN).
    package static func digamma(_ x: Double) -> Double {
        guard x > 0, x.isFinite else { return x == .infinity ? .infinity : .nan }
        var z = x
        var shift = 0.0
        while z < 10 { shift += 1 / z; z += 1 }
        let r = 1 / z, r2 = r * r
        // Σ B_2k / (2k z^2k), k = 1…7.
        let series = r2 * (1.0 / 12 - r2 * (1.0 / 120 - r2 * (1.0 / 252 - r2 * (1.0 / 240 - r2 * (1.0 / 132
            - r2 * (691.0 / 32760 - r2 * (1.0 / 12)))))))
        return log(z) - 0.5 * r - series - shift
    }

    /// ψ′(x) for x > 0 (NaN for x ≤ 0 or NaN).
    package static func trigamma(_ x: Double) -> Double {
        guard x > 0, x.isFinite else { return x == .infinity ? 0 : .nan }
        var z = x
        var shift = 0.0
        while z < 10 { shift += 1 / (z * z); z += 1 }
        let r = 1 / z, r2 = r * r
        // 1/z + 1/(2z²) + Σ B_2k / z^(2k+1), k = 1…7.
        let series = r2 * r * (1.0 / 6 - r2 * (1.0 / 30 - r2 * (1.0 / 42 - r2 * (1.0 / 30 - r2 * (5.0 / 66
            - r2 * (691.0 / 2730 - r2 * (7.0 / 6)))))))
        return r + 0.5 * r2 + series + shift
    }

    /// ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a+b) for a, b > 0.
    package static func logBeta(_ a: Double, _ b: Double) -> Double {
        lgamma(a) + lgamma(b) - lgamma(a + b)
    }
}
