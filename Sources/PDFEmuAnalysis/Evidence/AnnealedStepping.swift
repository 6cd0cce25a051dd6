import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory

/// One temperature of the annealing path p_β ∝ q^{1−β}·(π·L)^β from the reference q (β = 0) to the
/// posterior (β = 1), with the thermodynamic quantities of p_β estimated from the weighted particles.
package struct EvidencePathPoint: Sendable, Codable, Equatable {
    /// β.
    package var beta: Double
    /// log Z_β = log ∫ q^{1−β}(πL)^β (0 at β = 0, log Z at β = 1).
    package var logZ: Double
    /// Free energy F_β = −log Z_β.
    package var freeEnergy: Double { -logZ }
    /// ⟨χ²/(2T²)⟩ under p_β (over particles with χ² defined).
    package var meanEnergy: Double
    /// Entropy S_β = −⟨log p_β⟩ (nats); at β = 1 it is ⟨χ²/(2T²)⟩ + log V + log Z.
    package var entropy: Double
    /// Effective number of particles (Σw)²/Σw² at β.
    package var effectiveSampleSize: Double
}

/// Estimator 2: annealed importance sampling (Neal 2001) — stepping stones along the geometric path from
/// the reference to the posterior. Each particle starts as an exact draw from q, and at each β_j
/// (linear in j) collects the stepping-stone factor (πL/q)^{β_j − β_{j−1}}, then makes Metropolis moves
/// that leave p_{β_j} invariant (random walk with the Hessian covariance of its mode, scaled 2.38/√n at
/// first; between temperatures each particle rescales its step from its own acceptance so far, towards
/// 20–50%: the kernel at each temperature is fixed before it is used, so it still leaves p_β invariant).
/// Particles are independent, so the mean weight and its standard error are honest.
enum AnnealedStepping {
    struct Output {
        var estimate: EvidenceEstimate
        var path: [EvidencePathPoint]
        var acceptance: Double
        var outsideFraction: Double
    }

    static func estimate(target: EvidenceTarget, reference: ReferenceMixture, particles: Int, temperatures: Int,
                         moves: Int, seed: UInt64) -> Output {
        let n = reference.dimension
        let betas = (0...temperatures).map { Double($0) / Double(temperatures) }
        let step = 2.38 / Double(n).squareRoot()
        let best = reference.weights.indices.max { reference.weights[$0] < reference.weights[$1] } ?? 0
        struct Trace { var lw: [Double]; var chi2: [Double]; var logQ: [Double]; var logT: [Double]; var accepted: Int; var inside: Bool; var evals: Int }
        let traces = Parallel.map(particles) { i -> Trace in
            var rng = SeededGenerator(seed: seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(i + 1))
            var (theta, c) = reference.sample(&rng)
            let mode = reference.modes[c < 0 ? best : c]
            var lq = reference.logDensity(theta)
            var (lt, chi) = target.evaluate(theta)
            var evals = 1, accepted = 0
            var tr = Trace(lw: [0], chi2: [chi], logQ: [lq], logT: [lt], accepted: 0, inside: true, evals: 0)
            var lw = 0.0
            var scale = step, tried = 0, acceptedHere = 0
            for j in 1..<betas.count {
                if tried >= 6 {
                    let rate = Double(acceptedHere) / Double(tried)
                    if rate < 0.2 { scale *= 0.7 } else if rate > 0.5 { scale *= 1.3 }
                    tried = 0; acceptedHere = 0
                }
                let b = betas[j]
                lw += lt == -.infinity ? -.infinity : (b - betas[j - 1]) * (lt - lq)
                if lw > -.infinity {
                    for _ in 0..<moves {
                        let z = (0..<n).map { _ in rng.nextGaussian() }
                        let prop = (0..<n).map { r in theta[r] + scale * (0...r).reduce(0) { $0 + mode.cholesky[r * n + $1] * z[$1] } }
                        let (lt2, chi2) = target.evaluate(prop)
                        evals += 1
                        tried += 1
                        guard lt2 > -.infinity else { continue }
                        let lq2 = reference.logDensity(prop)
                        let delta = (1 - b) * (lq2 - lq) + b * (lt2 - lt)
                        if log(rng.nextUniform()) < delta { theta = prop; lq = lq2; lt = lt2; chi = chi2; accepted += 1; acceptedHere += 1 }
                    }
                }
                tr.lw.append(lw); tr.chi2.append(chi); tr.logQ.append(lq); tr.logT.append(lt)
            }
            tr.accepted = accepted
            tr.inside = target.model.isInsideTrainingRegion(theta)
            tr.evals = evals
            return tr
        }
        var path: [EvidencePathPoint] = []
        let report = Set(stride(from: 0, through: temperatures, by: max(1, temperatures / 8)).map { $0 } + [temperatures])
        for j in report.sorted() {
            let lw = traces.map { $0.lw[j] }
            let est = EvidenceEstimate.from(logWeights: lw, method: "", evaluations: 0)
            let m = lw.max() ?? 0
            var wsum = 0.0, energy = 0.0, logP = 0.0, wE = 0.0
            for t in traces where t.lw[j] > -.infinity {
                let w = exp(t.lw[j] - m)
                wsum += w
                if t.logT[j] > -.infinity { logP += w * ((1 - betas[j]) * t.logQ[j] + betas[j] * t.logT[j]) } else { logP += w * t.logQ[j] }
                if t.chi2[j].isFinite { energy += w * t.chi2[j] / (2 * target.temperature2); wE += w }
            }
            path.append(EvidencePathPoint(beta: betas[j], logZ: est.logZ, meanEnergy: wE > 0 ? energy / wE : .nan,
                                          entropy: -logP / wsum + est.logZ, effectiveSampleSize: est.effectiveSampleSize))
        }
        let final = traces.map { $0.lw[temperatures] }
        let evaluations = traces.reduce(0) { $0 + $1.evals }
        let moveCount = Double(particles * temperatures * moves)
        return Output(estimate: EvidenceEstimate.from(logWeights: final, method: "annealed stepping stones", evaluations: evaluations),
                      path: path, acceptance: Double(traces.reduce(0) { $0 + $1.accepted }) / moveCount,
                      outsideFraction: WeightedFraction.outside(logWeights: final, inside: traces.map(\.inside)))
    }
}
