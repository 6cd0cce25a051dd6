import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory

/// log Z of the true χ² from m independent draws of a proposal q fitted to the emulator's posterior and
/// inflated (`PosteriorProposal`: its wide component reaches where the emulator's χ² is too high and its
/// posterior too thin), with the emulator as a control variate. With w_t = π·exp(−χ²_true/(2T²))/q and
/// w_e = π·exp(−χ²_emu/(2T²))/q at the same draws, E_q[w_t] = Z_true and E_q[w_e] = Z_emu, so
/// Z_true ≈ mean(w_t) − c·(mean(w_e) − Z_emu), c = cov(w_t, w_e)/var(w_e) (the regression estimator;
/// Z_emu from SMC). Undefined true χ² counts as w_t = 0.
package struct ProposalCorrection: Sendable, Codable, Equatable {
    /// The oracle asked (its label).
    package var oracle: String
    /// Draws evaluated (m).
    package var points: Int
    /// Draws inside the prior box where the true χ² is defined.
    package var defined: Int
    /// log Z_true by the regression estimator.
    package var logZ: Double
    /// Its error: the larger of the delta-method error (from var(w_t − c·w_e)/m and c·Z_emu's error) and
    /// the bootstrap sd of the estimate (1000 resamples of the draws, c refitted in each).
    package var logZError: Double
    /// The delta-method error alone.
    package var deltaMethodError: Double
    /// The bootstrap error alone.
    package var bootstrapError: Double
    /// log mean(w_t) alone (importance sampling of the true χ², no control variate) and its error.
    package var directLogZ: Double, directError: Double
    /// The control-variate coefficient c.
    package var coefficient: Double
    /// ESS (Σw_t)²/Σw_t² of the true-likelihood weights, of `points` (how well q covers the true posterior).
    package var effectiveSampleSize: Double
    /// ESS of the emulator-likelihood weights w_e.
    package var emulatorESS: Double
    /// Mean and sd of χ²_true − χ²_emulator over the defined draws, weighted by w_t (the true posterior).
    package var meanDifference: Double, sdDifference: Double
    /// log Z of the emulator (SMC) and its error.
    package var emulatorLogZ: Double, emulatorError: Double
    /// log Z_true − log Z_emu.
    package var logCorrection: Double { logZ - emulatorLogZ }
    /// True when the weights' ESS is at least max(30, 10% of the draws) and the estimate is finite.
    package var trusted: Bool { logZ.isFinite && logZError.isFinite && effectiveSampleSize >= max(30, 0.1 * Double(points)) }

    /// The estimate from, per draw, log q, the emulator's and the true χ² (NaN: undefined or outside the
    /// box), with log V of the prior box, T², and the emulator's log Z and error.
    package static func compute(oracle: String, logQ: [Double], emulatorChi2: [Double], trueChi2: [Double], logVolume: Double,
                               temperature2 t2: Double, emulatorLogZ: Double, emulatorError: Double,
                               seed: UInt64 = 1) -> ProposalCorrection {
        precondition(logQ.count == emulatorChi2.count && logQ.count == trueChi2.count, "one q, emulator and true χ² per draw")
        let m = logQ.count
        func lw(_ c: Double, _ q: Double) -> Double { c.isFinite ? -logVolume - c / (2 * t2) - q : -.infinity }
        let lt = zip(trueChi2, logQ).map { lw($0, $1) }, le = zip(emulatorChi2, logQ).map { lw($0, $1) }
        // Work in units of Z_emu: a = w_t/Z_emu, b = w_e/Z_emu, so E[b] = 1.
        let a = lt.map { exp($0 - emulatorLogZ) }, b = le.map { exp($0 - emulatorLogZ) }
        let all = Array(0..<m)
        func estimate(_ rows: [Int]) -> (ratio: Double, c: Double, variance: Double) {
            let n = Double(rows.count)
            var ma = 0.0, mb = 0.0
            for i in rows { ma += a[i]; mb += b[i] }
            ma /= n; mb /= n
            var cab = 0.0, cbb = 0.0
            for i in rows { cab += (a[i] - ma) * (b[i] - mb); cbb += (b[i] - mb) * (b[i] - mb) }
            let c = cbb > 0 ? cab / cbb : 0
            var v = 0.0
            for i in rows { let r = (a[i] - ma) - c * (b[i] - mb); v += r * r }
            return (ma - c * (mb - 1), c, v / max(n - 1, 1) / n)
        }
        let e = estimate(all)
        let varEmu = e.c * e.c * emulatorError * emulatorError   // Z_emu's relative variance, × c²
        let delta = (e.variance + varEmu).squareRoot() / e.ratio
        var rng = SeededGenerator(seed: seed)
        var boot: [Double] = []
        if m > 1 {
            for _ in 0..<1000 {
                let rows = (0..<m).map { _ in min(m - 1, Int(rng.nextUniform() * Double(m))) }
                let r = estimate(rows).ratio
                if r > 0, r.isFinite { boot.append(log(r)) }
            }
        }
        let bm = boot.isEmpty ? 0 : boot.reduce(0, +) / Double(boot.count)
        let bsd = boot.count > 1 ? (boot.reduce(0) { $0 + ($1 - bm) * ($1 - bm) } / Double(boot.count - 1)).squareRoot() : .infinity
        let bootstrap = (bsd * bsd + varEmu / (e.ratio * e.ratio)).squareRoot()
        let direct = EvidenceEstimate.from(logWeights: lt, method: "", evaluations: m)
        let emu = EvidenceEstimate.from(logWeights: le, method: "", evaluations: m)
        // The true posterior's view of χ²_true − χ²_emu.
        var sw = 0.0, s1 = 0.0, s2 = 0.0, defined = 0
        for i in 0..<m where trueChi2[i].isFinite && emulatorChi2[i].isFinite {
            defined += 1
            let dd = trueChi2[i] - emulatorChi2[i]
            sw += a[i]; s1 += a[i] * dd; s2 += a[i] * dd * dd
        }
        let mean = sw > 0 ? s1 / sw : .nan
        let sd = sw > 0 ? max(0, s2 / sw - mean * mean).squareRoot() : .nan
        let logZ = e.ratio > 0 ? emulatorLogZ + log(e.ratio) : -.infinity
        return ProposalCorrection(oracle: oracle, points: m, defined: defined, logZ: logZ,
                                  logZError: e.ratio > 0 ? max(delta, bootstrap) : .infinity, deltaMethodError: delta,
                                  bootstrapError: bootstrap, directLogZ: direct.logZ, directError: direct.error, coefficient: e.c,
                                  effectiveSampleSize: direct.effectiveSampleSize, emulatorESS: emu.effectiveSampleSize,
                                  meanDifference: mean, sdDifference: sd, emulatorLogZ: emulatorLogZ, emulatorError: emulatorError)
    }
}

/// The draws at which an oracle corrects an emulator's evidence: `count` independent draws of the
/// proposal fitted to the emulator's SMC particles, log q and the emulator's χ² at each (NaN outside the box).
package struct CorrectionDraws: Sendable {
    /// Draws [count × d] row-major.
    package var theta: [Double]
    /// log q at each draw.
    package var logQ: [Double]
    /// The emulator's χ² (NaN outside the prior box: not evaluated).
    package var emulatorChi2: [Double]
    /// Whether each draw lies in the prior box (only those are sent to the oracle).
    package var inside: [Bool]

    /// The draws for `result` (which must hold SMC's particles) of `model`; nil when no proposal can be fitted.
    package static func make(model: any ScalarModel, result: EvidenceResult, count: Int, seed: UInt64,
                             degreesOfFreedom nu: Int = 5) -> CorrectionDraws? {
        guard let smc = result.smc else { return nil }
        let box = PriorBox(lower: result.priorLower, upper: result.priorUpper)
        let d = box.lower.count
        guard let q = PosteriorProposal.fit(draws: smc.posterior, dimension: d, box: box, nu: nu, seed: seed) else { return nil }
        let (theta, logQ) = q.draw(count, seed: seed &+ 1)
        let chi2 = PosteriorImportance.logWeights(model: model, box: box, theta: theta, logQ: logQ, temperature2: result.temperature2).chi2
        let inside = (0..<count).map { box.contains(Array(theta[($0 * d)..<(($0 + 1) * d)])) }
        return CorrectionDraws(theta: theta, logQ: logQ, emulatorChi2: chi2, inside: inside)
    }
}

/// The oracle correction in two stages: half the draws from the proposal fitted to the emulator's SMC
/// particles (q₁); then q₂ = ½q₁ + ½ a Student-t on the first draws' moments weighted by their true-χ²
/// weights (so it follows the true posterior where it is wider than the emulator's; the covariance shrunk
/// towards q₁'s by the weights' ESS: (ESS·Σ_w + d·Σ₁)/(ESS + d)); the rest of the draws from q₂. All draws
/// are weighted by the balance mixture q = (m₁q₁ + m₂q₂)/m, then `ProposalCorrection.compute`.
package enum AdaptiveCorrection {
    /// The correction for `result` (which must hold SMC's particles) of `emulator` with `count` true-χ²
    /// evaluations in two batches: `evaluate` gets the draws inside the prior box [k × d] row-major and
    /// returns their true χ² (NaN where undefined), storing them before they are returned. Nil when no
    /// proposal can be fitted.
    package static func run(emulator: any ScalarModel, result: EvidenceResult, count: Int, seed: UInt64, oracle: String,
                            evaluate: ([Double]) throws -> [Double]) throws -> ProposalCorrection? {
        guard let smc = result.smc, count >= 4 else { return nil }
        let box = PriorBox(lower: result.priorLower, upper: result.priorUpper)
        let d = box.lower.count, t2 = result.temperature2
        guard let q1 = PosteriorProposal.fit(draws: smc.posterior, dimension: d, box: box, nu: 5, seed: seed) else { return nil }
        let m1 = count / 2, m2 = count - m1
        func trueChi2(_ theta: [Double], _ m: Int) throws -> [Double] {
            let inside = (0..<m).filter { box.contains(Array(theta[($0 * d)..<(($0 + 1) * d)])) }
            var rows: [Double] = []
            rows.reserveCapacity(inside.count * d)
            for i in inside { rows += theta[(i * d)..<((i + 1) * d)] }
            let got = inside.isEmpty ? [] : try evaluate(rows)
            var out = [Double](repeating: .nan, count: m)
            for (k, i) in inside.enumerated() { out[i] = got[k] }
            return out
        }
        let (theta1, logQ1) = q1.draw(m1, seed: seed &+ 1)
        let true1 = try trueChi2(theta1, m1)
        // Weighted moments of the first draws under the true posterior.
        let lw = zip(true1, logQ1).map { $0.isFinite ? -$0 / (2 * t2) - $1 : -Double.infinity }
        let top = lw.max() ?? -.infinity
        var q2: ReferenceMixture?
        if top > -.infinity {
            let w = lw.map { exp($0 - top) }
            let sw = w.reduce(0, +), sw2 = w.reduce(0) { $0 + $1 * $1 }
            let ess = sw * sw / sw2
            var mean = [Double](repeating: 0, count: d)
            for i in 0..<m1 { for a in 0..<d { mean[a] += w[i] * theta1[i * d + a] / sw } }
            var cov = [Double](repeating: 0, count: d * d)
            for i in 0..<m1 where w[i] > 0 {
                for a in 0..<d { for b in 0..<d { cov[a * d + b] += w[i] * (theta1[i * d + a] - mean[a]) * (theta1[i * d + b] - mean[b]) / sw } }
            }
            // q₁'s global component's covariance (its Cholesky factor is scaled by `scale`).
            let g = q1.mixture.modes[0].cholesky.map { $0 / PosteriorProposal.scale }
            var c1 = [Double](repeating: 0, count: d * d)
            for a in 0..<d { for b in 0..<d { for k in 0...min(a, b) { c1[a * d + b] += g[a * d + k] * g[b * d + k] } } }
            let shrunk = (0..<(d * d)).map { (ess * cov[$0] + Double(d) * c1[$0]) / (ess + Double(d)) }
            if let l = try? BLAS.cholesky(shrunk, n: d) {
                let chol = l.map { $0 * PosteriorProposal.scale }
                let logDet = 2 * (0..<d).reduce(0.0) { $0 + log(chol[$1 * d + $1]) }
                // q₂ = ½q₁ + ½t(mean, Σ): q₁'s components at half their weights, the new one at ½.
                var modes = zip(q1.mixture.modes, q1.mixture.weights).map { m, w -> EvidenceMode in
                    var m = m; m.laplaceLogZ = log(0.5 * w); return m
                }
                modes.append(EvidenceMode(centre: mean, chi2: .nan, cholesky: chol, logDetCovariance: logDet, laplaceLogZ: log(0.5)))
                q2 = ReferenceMixture(modes: modes, nu: 5, defensive: 0, box: box)
            }
        }
        let second = q2 ?? q1.mixture
        var theta2: [Double] = []
        var rng = SeededGenerator(seed: seed &+ 2)
        for _ in 0..<m2 { theta2 += second.sample(&rng).theta }
        let true2 = try trueChi2(theta2, m2)
        let theta = theta1 + theta2
        let m = m1 + m2
        let logQ = (0..<m).map { i -> Double in
            let t = Array(theta[(i * d)..<((i + 1) * d)])
            return LogSum.exp([log(Double(m1) / Double(m)) + q1.mixture.logDensity(t), log(Double(m2) / Double(m)) + second.logDensity(t)])
        }
        let emu = PosteriorImportance.logWeights(model: emulator, box: box, theta: theta, logQ: logQ, temperature2: t2).chi2
        return ProposalCorrection.compute(oracle: oracle, logQ: logQ, emulatorChi2: emu, trueChi2: true1 + true2,
                                          logVolume: result.logPriorVolume, temperature2: t2, emulatorLogZ: result.logZ,
                                          emulatorError: result.logZError, seed: seed)
    }
}
