import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory
/// Estimator 1: the Laplace approximation at the modes, corrected by importance sampling from the
/// reference mixture built on it: log Z = log mean[π·L/q] over independent draws from q.
enum LaplaceImportance {
    /// The estimate, and the weighted fraction of samples outside the training region.
    static func estimate(target: EvidenceTarget, reference: ReferenceMixture, samples: Int,
                         seed: UInt64) -> (estimate: EvidenceEstimate, outsideFraction: Double) {
        let chunks = 16
        let per = (samples + chunks - 1) / chunks
        let parts = Parallel.map(chunks) { c -> [(Double, Bool)] in
            var rng = SeededGenerator(seed: seed &+ 0x5851_F42D_4C95_7F2D &* UInt64(c + 1))
            let count = max(0, min(per, samples - c * per))
            return (0..<count).map { _ in
                let (theta, _) = reference.sample(&rng)
                let lt = target.evaluate(theta).logTarget
                let lw = lt == -.infinity ? -.infinity : lt - reference.logDensity(theta)
                return (lw, target.model.isInsideTrainingRegion(theta))
            }
        }.flatMap { $0 }
        let lw = parts.map(\.0)
        let est = EvidenceEstimate.from(logWeights: lw, method: "laplace+importance", evaluations: samples)
        return (est, WeightedFraction.outside(logWeights: lw, inside: parts.map(\.1)))
    }
}

/// The weighted fraction of points outside the training region.
enum WeightedFraction {
    static func outside(logWeights lw: [Double], inside: [Bool]) -> Double {
        guard let m = lw.max(), m > -.infinity else { return 0 }
        var total = 0.0, out = 0.0
        for (l, i) in zip(lw, inside) { let w = Foundation.exp(l - m); total += w; if !i { out += w } }
        return total > 0 ? out / total : 0
    }
}

import Foundation
