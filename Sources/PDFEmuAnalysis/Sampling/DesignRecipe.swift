import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory

/// How a design of points around a χ² minimum is drawn (the bundled scan's recipe by default):
/// a fraction along random rays from the minimum, each ending where Δχ² equals a level drawn
/// uniformly in [0, Δmax] (found by bisection on the model); a fraction uniform (Sobol) in a box of
/// ±`boxHalfWidth` Hessian σ around the minimum; the rest Gaussian from the Hessian covariance
/// scaled by `gaussianScale`. σ and the covariance V are those of Δχ² = 1 (V = (½∂²χ²)⁻¹).
package struct DesignRecipe: Sendable, Codable, Equatable {
    /// Fraction of points along rays (default 0.75).
    package var rayFraction: Double
    /// Fraction of uniform box points (default 0.15); the Gaussian fraction is the rest.
    package var boxFraction: Double
    /// Largest Δχ² of the ray levels (default 200).
    package var deltaMax: Double
    /// Half-width of the box in Hessian σ (default 0.5).
    package var boxHalfWidth: Double
    /// Scale of the Gaussian relative to the Hessian covariance's σ (default 0.5: N(θ_min, 0.5² V)).
    package var gaussianScale: Double

    /// Creates a recipe (defaults: the bundled scan's 75% rays to Δχ² ~ U(0, 200), 15% ±0.5σ box,
    /// 10% Gaussian at half scale).
    package init(rayFraction: Double = 0.75, boxFraction: Double = 0.15, deltaMax: Double = 200,
                boxHalfWidth: Double = 0.5, gaussianScale: Double = 0.5) {
        self.rayFraction = rayFraction
        self.boxFraction = boxFraction
        self.deltaMax = deltaMax
        self.boxHalfWidth = boxHalfWidth
        self.gaussianScale = gaussianScale
    }

    /// The Gaussian fraction, 1 − rays − box.
    package var gaussianFraction: Double { 1 - rayFraction - boxFraction }

    /// Points of each kind (rays, box, Gaussian) for n in all.
    package func counts(_ n: Int) -> (rays: Int, box: Int, gaussian: Int) {
        let r = Int((rayFraction * Double(n)).rounded()), b = min(n - r, Int((boxFraction * Double(n)).rounded()))
        return (r, b, n - r - b)
    }

    /// Throws one line for fractions outside [0, 1] or summing above 1, or non-positive sizes.
    package func validate() throws(SettingError) {
        guard rayFraction >= 0, boxFraction >= 0, rayFraction + boxFraction <= 1 + 1e-12 else {
            throw SettingError(.designMix, "fractions must be ≥ 0 and add up to at most 1 (rays \(rayFraction), box \(boxFraction))")
        }
        guard deltaMax > 0, deltaMax.isFinite else { throw SettingError(.designDeltaMax, "must be > 0, got \(deltaMax)") }
        guard boxHalfWidth > 0, boxHalfWidth.isFinite else { throw SettingError(.designBox, "must be > 0, got \(boxHalfWidth)") }
        guard gaussianScale > 0, gaussianScale.isFinite else { throw SettingError(.designGaussianScale, "must be > 0, got \(gaussianScale)") }
    }

    /// The largest accepted Δmax: the ray search doubles the radius at most 40 times, so a larger level
    /// is never reached (and `Scan` accepts no larger T²).
    package static let maxDeltaMax = 1e8

    /// Checks the sizes of a design of `n` points before anything is allocated: `n` (a point, its kind
    /// and the χ² of up to a few dozen experiments, 1 kB assumed; at most 10⁸) and Δmax (at most
    /// `maxDeltaMax`); throws a `SettingError` naming `designCount` or `designDeltaMax`.
    package func validateSizes(count n: Int) throws(SettingError) {
        try SizeLimits.validate(.designCount, n, cap: 100_000_000, bytesEach: 1024, what: "points")
        try SizeLimits.validate(.designDeltaMax, deltaMax, atMost: Self.maxDeltaMax, what: "Δχ² level")
    }

    /// One line for provenance.
    package var summary: String {
        "kind 0 (\(rayFraction)): theta_min + r chol(V) u, u random unit vector, r by bisection so that chi2 - chi2_min = t, "
            + "t ~ U(0, \(deltaMax)); kind 1 (\(boxFraction)): Sobol uniform box theta_min +- \(boxHalfWidth) sigma_i; "
            + "kind 2 (\(gaussianFraction)): N(theta_min, \(gaussianScale)^2 V); V = inverse of half the exact Hessian at the "
            + "minimum (delta-chi2 = 1). Undefined points are redrawn."
    }
}

extension Setting {
    /// Number of points of a design.
    package static let designCount = Setting("design.count")
    /// Fractions of rays, box and Gaussian points in a design.
    package static let designMix = Setting("design.mix")
    /// Largest Δχ² of a design's rays.
    package static let designDeltaMax = Setting("design.deltaMax")
    /// Half-width of a design's box, in Hessian σ.
    package static let designBox = Setting("design.box")
    /// Scale of a design's Gaussian points, in Hessian σ.
    package static let designGaussianScale = Setting("design.gaussianScale")
}
