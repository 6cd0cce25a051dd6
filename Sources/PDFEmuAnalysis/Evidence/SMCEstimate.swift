import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory

/// log Z from K independent SMC runs (`SequentialMonteCarlo`): the log of the mean of their Z estimates, and
/// Student-t intervals from their spread at two stated levels (68.3% and 95.45%).
package struct SMCEstimate: Sendable, Codable, Equatable {
    /// log Z = log((1/K)·Σ_k Z_k), the log of the mean of the runs' Z estimates. Each run's Z_k is unbiased for
    /// Z, so their mean is; the mean of the runs' log Z_k (the former estimate) is biased low by ≈ Var(log Z_k)/2
    /// (measured −0.08 per run on the 14D banana of the tests at 400 particles), this by ≈ Var(log Z_k)/(2K).
    package var logZ: Double
    /// Its error: the half-width of the 68.3% Student-t interval, t_{K−1}(68.3%)·`standardError`
    /// (K = 4: 1.197×, K = 8: 1.077×). Twice this is not a 95% interval at small K (K = 4: 90.4%); see `error2Sigma`.
    package var error: Double
    /// The half-width of the stated 2σ interval: the 95.45% Student-t interval, t_{K−1}(95.45%)·`standardError`
    /// (K = 4: 3.307×, K = 8: 2.429×, K = 16: 2.181×): log Z ± this holds the true log Z in 95.45% of repetitions
    /// when the runs' log Z_k are normal.
    package var error2Sigma: Double
    /// The standard error of `logZ` by the delta method, sd_k(Z_k)/(√K·mean_k Z_k) (to first order sd(log Z_k)/√K).
    package var standardError: Double
    /// Particles per run.
    package var particles: Int
    /// The target ESS of each step's incremental weights, as a fraction of the particles.
    package var essFraction: Double
    /// Each run.
    package var runs: [SMCRun]
    /// ⟨χ²/(2T²)⟩ over the final particles of all runs.
    package var meanEnergy: Double
    /// Posterior entropy (nats): ⟨χ²/(2T²)⟩ + log V + log Z.
    package var entropy: Double
    /// Wall time of all runs together (s).
    package var seconds: Double
    /// Final particles of every run, run after run [ΣN × d] row-major: equally weighted posterior draws
    /// (not written to JSON).
    package var posterior: [Double] = []
    /// χ² at each of `posterior`'s rows (not written to JSON).
    package var posteriorChi2: [Double] = []

    enum CodingKeys: String, CodingKey {
        case logZ, error, error2Sigma, standardError, particles, essFraction, runs, meanEnergy, entropy, seconds
    }

    /// Model evaluations over all runs.
    package var evaluations: Int { runs.reduce(0) { $0 + $1.evaluations } }
    /// Σ over runs of the final step's ESS.
    package var effectiveSampleSize: Double { runs.reduce(0) { $0 + $1.finalESS } }
    /// The smallest final-step ESS of any run.
    package var minimumFinalESS: Double { runs.map(\.finalESS).min() ?? 0 }
    /// Runs whose log Z lies more than 3 sd(log Z_k)·√(1 + 1/K) from the mean of the others (disagreeing runs).
    package var outlyingRuns: [Int] {
        guard runs.count >= 3 else { return [] }
        return runs.indices.filter { k in
            let others = runs.indices.filter { $0 != k }.map { runs[$0].logZ }
            let m = others.reduce(0, +) / Double(others.count)
            let sd = (others.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(others.count - 1)).squareRoot()
            return abs(runs[k].logZ - m) > 3 * sd * (1 + 1 / Double(others.count)).squareRoot() + 1e-12
        }
    }

    /// Up to `count` posterior draws spread evenly over the runs (each run's final cloud in turn), as rows
    /// [m × d] and their χ².
    package func posteriorDraws(count: Int) -> (theta: [[Double]], chi2: [Double]) {
        let total = posteriorChi2.count
        guard total > 0, count > 0 else { return ([], []) }
        let d = posterior.count / total
        let m = min(count, total)
        var theta: [[Double]] = [], chi2: [Double] = []
        let k = max(runs.count, 1), per = total / k
        // Row r of draw j: run j mod K, position (j / K)·stride within that run's cloud.
        let rounds = (m + k - 1) / k
        let stride = max(1, per / max(rounds, 1))
        var j = 0
        while theta.count < m && j < rounds * k {
            let run = j % k, pos = (j / k) * stride
            j += 1
            guard pos < per else { continue }
            let r = run * per + pos
            theta.append(Array(posterior[(r * d)..<((r + 1) * d)]))
            chi2.append(posteriorChi2[r])
        }
        return (theta, chi2)
    }

    /// Runs K = `runs` independent SMC runs (seeds `seed` + k·0x9E3779B97F4A7C15, k = 1…K) concurrently.
    /// Each run is a pair: an adaptive pilot with `pilotParticles` chooses the ladder, the proposal
    /// covariances, step sizes and sweep counts; the run itself replays that schedule with fresh particles,
    /// so its Z estimate is unbiased (adapting to a run's own particles biases log Z upwards by O(1/N):
    /// +1.8 at N = 200 on the 16D Gaussian of the tests). A run's evaluations and time include its pilot's.
    static func compute(model: any ScalarModel, box: PriorBox, settings: SequentialMonteCarlo.Settings, runs k: Int,
                        seed: UInt64) -> SMCEstimate {
        let clock = Date()
        let outs = Parallel.map(k) { i in
            let runSeed = seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(i + 1)
            var small = settings
            small.particles = settings.pilotParticles
            let pilot = SequentialMonteCarlo.run(model: model, box: box, settings: small, seed: runSeed ^ 0xA5A5_A5A5_A5A5_A5A5)
            var out = SequentialMonteCarlo.run(model: model, box: box, settings: settings, seed: runSeed, replay: pilot.schedule).output
            out.run.evaluations += pilot.output.run.evaluations
            out.run.seconds += pilot.output.run.seconds
            return out
        }
        let combined = combine(outs.map(\.run.logZ))
        var energy = 0.0, count = 0
        for o in outs { for c in o.chi2 where c.isFinite { energy += c / (2 * settings.temperature2); count += 1 } }
        let meanEnergy = count > 0 ? energy / Double(count) : .nan
        return SMCEstimate(logZ: combined.logZ, error: combined.error, error2Sigma: combined.error2Sigma,
                           standardError: combined.standardError, particles: settings.particles, essFraction: settings.essFraction,
                           runs: outs.map(\.run), meanEnergy: meanEnergy, entropy: meanEnergy + box.logVolume + combined.logZ,
                           seconds: Date().timeIntervalSince(clock),
                           posterior: outs.flatMap(\.theta), posteriorChi2: outs.flatMap(\.chi2))
    }

    /// The combination of K runs' log Z_k: log Z = log mean_k Z_k; the delta-method standard error
    /// sd_k(Z_k)/(√K·mean_k Z_k) (sample sd, K − 1 in the denominator); and the half-widths of the 68.3% and
    /// 95.45% Student-t intervals (K − 1 degrees of freedom) around it. K = 1 gives infinite errors.
    static func combine(_ logZ: [Double]) -> (logZ: Double, error: Double, error2Sigma: Double, standardError: Double) {
        let k = logZ.count
        guard k > 0, let top = logZ.max(), top.isFinite else { return (logZ.max() ?? .nan, .infinity, .infinity, .infinity) }
        let w = logZ.map { exp($0 - top) }
        let mean = w.reduce(0, +) / Double(k)
        guard k > 1 else { return (top + log(mean), .infinity, .infinity, .infinity) }
        let sd = (w.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(k - 1)).squareRoot()
        let se = sd / mean / Double(k).squareRoot()
        let nu = Double(k - 1)
        return (top + log(mean), StudentT.quantile(coverage: oneSigma, nu: nu) * se, StudentT.quantile(coverage: twoSigma, nu: nu) * se, se)
    }

    /// The coverage of ±1σ and ±2σ of a normal distribution: the levels of `error` and `error2Sigma`.
    static let oneSigma = 0.682_689_492_137, twoSigma = 0.954_499_736_104
}
