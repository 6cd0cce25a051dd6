import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory
/// A local minimum used as a mode of the reference density.
package struct EvidenceModeSummary: Sendable, Codable, Equatable {
    /// The minimum.
    package var theta: [Double]
    /// χ² there.
    package var chi2: Double
    /// The mode's Laplace log Z.
    package var laplaceLogZ: Double
    /// Its weight in the reference mixture.
    package var weight: Double
}

/// log Z = log ∫ π(θ)·exp(−χ²(θ)/(2T²)) dθ for a uniform box prior, by the estimators asked for
/// (`EvidenceOptions.methods`; SMC by default).
package struct EvidenceResult: Sendable, Codable, Equatable {
    /// Parameter names.
    package var parameterNames: [String]
    /// The prior box, lower and upper ends per parameter.
    package var priorLower: [Double]
    /// Upper ends of the prior box.
    package var priorUpper: [Double]
    /// log V of the prior box (π = 1/V inside it).
    package var logPriorVolume: Double
    /// T² of the likelihood.
    package var temperature2: Double
    /// χ²_min (global minimum).
    package var chi2Minimum: Double
    /// The modes of the reference (best first).
    package var modes: [EvidenceModeSummary]
    /// The Laplace approximation: log Σ_modes exp(−χ²_m/(2T²)) (2π)^{n/2} √det Σ_m / V (no error: a
    /// quadratic expansion, corrected by the estimators).
    package var laplaceLogZ: Double
    /// Sequential Monte Carlo from the prior (nil unless asked for; the default estimator).
    package var smc: SMCEstimate?
    /// Estimator 1: Laplace corrected by importance sampling (nil unless asked for).
    package var importance: EvidenceEstimate?
    /// Estimator 2: annealed stepping stones from the reference to the posterior (nil unless asked for).
    package var annealed: EvidenceEstimate?
    /// Importance sampling from a t-mixture fitted to SMC's final particles (nil unless asked for; needs SMC).
    package var posteriorImportance: EvidenceEstimate?
    /// Thermodynamic quantities along the annealing path (β = 0 … 1; empty without the annealed estimator).
    package var path: [EvidencePathPoint]
    /// Metropolis acceptance rate of the annealing moves (nil without the annealed estimator).
    package var acceptance: Double?
    /// Weighted fraction of the posterior samples (annealed particles, importance samples, SMC particles)
    /// outside the training region.
    package var outsideTrainingFraction: Double
    /// Problems found (mass at the training-domain edge, low ESS, estimators or runs that disagree).
    package var warnings: [String]

    /// log Z: posterior importance's when it ran (independent draws, a standard error), else SMC's when it
    /// ran, else the inverse-variance combination of the other estimates.
    package var logZ: Double {
        if let posteriorImportance { return posteriorImportance.logZ }
        if let smc { return smc.logZ }
        let e = [importance, annealed].compactMap { $0 }
        guard e.count == 2 else { return e.first?.logZ ?? .nan }
        let (a, b) = (e[0], e[1])
        let wa = 1 / (a.error * a.error), wb = 1 / (b.error * b.error)
        guard wa.isFinite, wb.isFinite else { return wa.isFinite ? a.logZ : b.logZ }
        return (wa * a.logZ + wb * b.logZ) / (wa + wb)
    }
    /// Error of `logZ`.
    package var logZError: Double {
        if let posteriorImportance { return posteriorImportance.error }
        if let smc { return smc.error }
        let e = [importance, annealed].compactMap { $0 }
        guard e.count == 2 else { return e.first?.error ?? .nan }
        let (a, b) = (e[0].error, e[1].error)
        guard a > 0, b > 0 else { return min(a, b) }
        return 1 / (1 / (a * a) + 1 / (b * b)).squareRoot()
    }
    /// The half-width of the stated 2σ (95.45%) interval of `logZ`: SMC's Student-t `error2Sigma` when SMC gives
    /// log Z, else 2·`logZError` (independent weights: a normal standard error).
    package var logZError2Sigma: Double {
        if posteriorImportance == nil, let smc { return smc.error2Sigma }
        return 2 * logZError
    }
    /// Free energy F = −log Z.
    package var freeEnergy: Double { -logZ }
    /// ⟨χ²/(2T²)⟩ under the posterior (SMC's final particles, else the annealing path's β = 1 point).
    package var meanEnergy: Double { smc?.meanEnergy ?? path.last?.meanEnergy ?? .nan }
    /// Posterior entropy (nats), S = ⟨χ²/(2T²)⟩ + log V + log Z at β = 1.
    package var entropy: Double { smc?.entropy ?? path.last?.entropy ?? .nan }
}

/// The Bayes factor of two models: log B = log Z_A − log Z_B with the combined errors.
package struct BayesFactor: Sendable, Codable, Equatable {
    /// Label of model A.
    package var labelA: String
    /// Label of model B.
    package var labelB: String
    /// log B_AB (natural log; > 0 favours A).
    package var logB: Double
    /// Its standard error.
    package var error: Double
    /// The half-width of its 2σ interval, √(h_A² + h_B²) of the two 2σ half-widths (`logZError2Sigma`; for two
    /// Student-t intervals no narrower than the Welch interval at 95.45%).
    package var error2Sigma: Double

    /// log B from two results.
    package init(_ a: EvidenceResult, _ b: EvidenceResult, labels: (String, String)) {
        labelA = labels.0
        labelB = labels.1
        logB = a.logZ - b.logZ
        error = (a.logZError * a.logZError + b.logZError * b.logZError).squareRoot()
        error2Sigma = (a.logZError2Sigma * a.logZError2Sigma + b.logZError2Sigma * b.logZError2Sigma).squareRoot()
    }
}
