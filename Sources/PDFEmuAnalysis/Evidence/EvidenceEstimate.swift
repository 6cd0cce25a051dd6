import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory

/// One estimate of log Z from independent importance weights.
package struct EvidenceEstimate: Sendable, Codable, Equatable {
    /// The method ("laplace+importance" or "annealed stepping stones").
    package var method: String
    /// log Z (natural log).
    package var logZ: Double
    /// Its standard error: the relative standard error of the mean weight, std(w)/(mean(w)·√N).
    package var error: Double
    /// Effective sample size (Σw)²/Σw².
    package var effectiveSampleSize: Double
    /// Number of weights (samples or particles).
    package var count: Int
    /// χ² evaluations used.
    package var evaluations: Int

    /// The estimate from log-weights (−∞ for points outside the prior box or where χ² is undefined).
    static func from(logWeights lw: [Double], method: String, evaluations: Int) -> EvidenceEstimate {
        let n = Double(lw.count)
        let m = lw.max() ?? -.infinity
        guard m > -.infinity else {
            return EvidenceEstimate(method: method, logZ: -.infinity, error: .infinity, effectiveSampleSize: 0, count: lw.count,
                                    evaluations: evaluations)
        }
        let w = lw.map { exp($0 - m) }
        let s1 = w.reduce(0, +), s2 = w.reduce(0) { $0 + $1 * $1 }
        let mean = s1 / n
        let variance = max(0, s2 / n - mean * mean) * n / max(n - 1, 1)
        return EvidenceEstimate(method: method, logZ: m + log(mean), error: (variance / n).squareRoot() / mean,
                                effectiveSampleSize: s1 * s1 / s2, count: lw.count, evaluations: evaluations)
    }
}

/// The target of both estimators: log[π(θ)·exp(−χ²(θ)/(2T²))] and its parts.
struct EvidenceTarget: Sendable {
    let model: any ScalarModel
    let box: PriorBox
    let temperature2: Double
    /// (log π + log L, χ²) at θ; −∞ outside the box or where χ² is undefined.
    func evaluate(_ theta: [Double]) -> (logTarget: Double, chi2: Double) {
        guard box.contains(theta) else { return (-.infinity, .nan) }
        let c = model.value(at: theta)
        guard c.isFinite else { return (-.infinity, c) }
        return (-box.logVolume - c / (2 * temperature2), c)
    }
}
