import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory

/// One independent run of the sequential Monte Carlo (SMC) evidence estimator.
package struct SMCRun: Sendable, Codable, Equatable {
    /// The run's random seed.
    package var seed: UInt64
    /// This run's log Z = Σ_t log mean_i exp((β_t − β_{t−1})·log L_i).
    package var logZ: Double
    /// Temperatures β_t > 0 of the adaptive ladder (the last is 1).
    package var temperatures: Int
    /// ESS (Σw)²/Σw² of the incremental weights of the last step (to β = 1), of `particles`.
    package var finalESS: Double
    /// The smallest ESS of any step's incremental weights.
    package var minimumESS: Double
    /// Fraction of distinct particles in the final cloud (after the last moves; 1: none is a copy).
    package var distinctFraction: Double
    /// Metropolis acceptance rate over all moves of the run.
    package var acceptance: Double
    /// Metropolis sweeps (each moves every particle once) over all temperatures.
    package var sweeps: Int
    /// Model evaluations (proposals outside the prior box are rejected without one).
    package var evaluations: Int
    /// Wall time of the run (s).
    package var seconds: Double
}

/// Sequential Monte Carlo with an adaptive temperature ladder (Del Moral, Doucet & Jasra 2006; Chopin &
/// Papaspiliopoulos 2020): particles start as uniform draws from the prior box (β = 0); each next
/// inverse temperature is chosen by bisection so the ESS of the incremental weights exp(Δβ·log L) is
/// `essFraction` of its limit as Δβ → 0; log Z collects log mean of those weights; the particles are
/// resampled (systematic) and moved by Metropolis–Hastings at the new β, sweeps alternating between a
/// random walk with the particles' covariance scaled by s·2.38/√d (s adapted after every such sweep
/// towards 23.4% acceptance) and independence proposals from a Student-t (ν = 5) with the particles'
/// mean and 1.2² times their covariance. Sweeps repeat
/// until every particle has made `acceptedMoves` accepted moves on average (at least 2, at most
/// `maxSweeps` per temperature). Evaluations are batched (`ScalarModel.values(atRows:)`).
enum SequentialMonteCarlo {
    /// Degrees of freedom ν and scale c of the independence proposals (a Student-t fit of the cloud, c·Σ).
    static let independenceNu = 5.0, independenceScale = 1.2

    /// Settings of one run.
    struct Settings: Sendable {
        var particles: Int
        var essFraction: Double
        var acceptedMoves: Double
        var maxSweeps: Int
        var temperature2: Double
        /// Particles of the adaptive pilot whose schedule a run replays: N/4, at least min(N, 100).
        var pilotParticles: Int { max(min(particles, 100), particles / 4) }
    }

    /// One run's answer: its summary and the final cloud (equally weighted posterior draws).
    struct Output: Sendable {
        var run: SMCRun
        /// Final particles [N×d] row-major.
        var theta: [Double]
        /// χ² at each final particle [N].
        var chi2: [Double]
        /// The ladder β_1 … β_T (= 1).
        var betas: [Double]
    }

    /// log L = −χ²/(2T²) of many χ² (−∞ where undefined).
    static func logLikelihood(_ chi2: [Double], _ t2: Double) -> [Double] {
        chi2.map { $0.isFinite ? -$0 / (2 * t2) : -.infinity }
    }

    /// ESS/N of the weights exp(δ·ll) (ll may hold −∞), and log mean of the weights.
    static func weights(_ ll: [Double], delta: Double) -> (essFraction: Double, logMean: Double, w: [Double]) {
        let m = ll.max() ?? -.infinity
        guard m > -.infinity else { return (0, -.infinity, ll.map { _ in 0 }) }
        let w = ll.map { $0 > -.infinity ? exp(delta * ($0 - m)) : 0 }
        var s1 = 0.0, s2 = 0.0
        for x in w { s1 += x; s2 += x * x }
        let n = Double(ll.count)
        return (s1 * s1 / s2 / n, delta * m + log(s1 / n), w)
    }

    /// Systematic resampling: N indices drawn with probabilities ∝ w.
    static func systematic(_ w: [Double], _ rng: inout SeededGenerator) -> [Int] {
        let n = w.count
        let total = w.reduce(0, +)
        var out = [Int](repeating: 0, count: n)
        let u0 = rng.nextUniform() / Double(n)
        var c = w[0] / total, j = 0
        for i in 0..<n {
            let u = u0 + Double(i) / Double(n)
            while u > c && j < n - 1 { j += 1; c += w[j] / total }
            out[i] = j
        }
        return out
    }

    /// Lower Cholesky factor of the particles' covariance (a diagonal fallback if it is singular).
    static func proposalFactor(_ x: [Double], n: Int, d: Int) -> [Double] {
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for k in 0..<d { mean[k] += x[i * d + k] } }
        for k in 0..<d { mean[k] /= Double(n) }
        var cov = [Double](repeating: 0, count: d * d)
        for i in 0..<n {
            for a in 0..<d {
                let da = x[i * d + a] - mean[a]
                for b in 0...a { cov[a * d + b] += da * (x[i * d + b] - mean[b]) }
            }
        }
        for a in 0..<d { for b in 0...a { cov[a * d + b] /= Double(max(n - 1, 1)); cov[b * d + a] = cov[a * d + b] } }
        let trace = (0..<d).reduce(0.0) { $0 + cov[$1 * d + $1] }
        var jitter = 1e-12 * max(trace / Double(d), 1e-300)
        for _ in 0..<8 {
            var c = cov
            for a in 0..<d { c[a * d + a] += jitter }
            if let l = try? BLAS.cholesky(c, n: d) { return l }
            jitter *= 100
        }
        var l = [Double](repeating: 0, count: d * d)
        for a in 0..<d { l[a * d + a] = max(cov[a * d + a], 1e-300).squareRoot() }
        return l
    }

    /// What an adaptive run chose, to be replayed by another: per temperature, β, the Cholesky factor of
    /// the proposal covariance, and the step size of each sweep.
    struct Schedule: Sendable {
        var betas: [Double] = []
        var factors: [[Double]] = []
        var means: [[Double]] = []
        var steps: [[Double]] = []
    }

    /// One run from `seed`: adaptive (ladder, proposals and sweeps chosen from its own particles, recorded
    /// in the returned schedule) when `replay` is nil, else following `replay` exactly.
    static func run(model: any ScalarModel, box: PriorBox, settings s: Settings, seed: UInt64,
                    replay: Schedule? = nil) -> (output: Output, schedule: Schedule) {
        var schedule = Schedule()
        let clock = Date()
        var rng = SeededGenerator(seed: seed)
        let n = s.particles, d = box.lower.count
        var x = [Double](repeating: 0, count: n * d)
        for i in 0..<n { for k in 0..<d { x[i * d + k] = rng.nextUniform(in: box.lower[k], box.upper[k]) } }
        var chi2 = model.values(atRows: x)
        var ll = logLikelihood(chi2, s.temperature2)
        var evaluations = n
        var beta = 0.0, logZ = 0.0
        var betas: [Double] = []
        var finalESS = 0.0, minESS = Double(n)
        var scale = 1.0
        var accepted = 0, tried = 0, sweeps = 0
        while beta < 1 {
            // The ESS of exp(δ·ll) falls from its limit at δ → 0 (the defined fraction) as δ grows.
            let limit = weights(ll, delta: 1e-300).essFraction
            guard limit > 0 else { break }
            let target = s.essFraction * limit
            var delta = 1 - beta
            if let replay {
                guard betas.count < replay.betas.count else { break }
                delta = replay.betas[betas.count] - beta
            } else if weights(ll, delta: delta).essFraction < target {
                var lo = 0.0, hi = delta
                for _ in 0..<100 {
                    let mid = 0.5 * (lo + hi)
                    if weights(ll, delta: mid).essFraction >= target { lo = mid } else { hi = mid }
                    if hi - lo <= 1e-14 * hi { break }
                }
                delta = max(lo, 1e-15)
            }
            let next = delta >= 1 - beta ? 1 : beta + delta
            let t = betas.count
            let inc = weights(ll, delta: next - beta)
            logZ += inc.logMean
            let ess = inc.essFraction * Double(n)
            minESS = min(minESS, ess)
            finalESS = ess
            beta = next
            betas.append(beta)
            // Resample.
            let idx = systematic(inc.w, &rng)
            var nx = [Double](repeating: 0, count: n * d)
            for (i, j) in idx.enumerated() { for k in 0..<d { nx[i * d + k] = x[j * d + k] } }
            x = nx
            chi2 = idx.map { chi2[$0] }
            ll = idx.map { ll[$0] }
            // Move.
            let l = replay?.factors[t] ?? proposalFactor(x, n: n, d: d)
            let centre = replay?.means[t] ?? (0..<d).map { k in (0..<n).reduce(0.0) { $0 + x[$1 * d + k] } / Double(n) }
            var movedTotal = 0
            var sweepsHere = 0
            var stepsHere: [Double] = []
            while sweepsHere < (replay?.steps[t].count ?? s.maxSweeps) {
                let step = replay?.steps[t][sweepsHere] ?? scale * 2.38 / Double(d).squareRoot()
                stepsHere.append(step)
                var prop = [Double](repeating: 0, count: n * d)
                var inside = [Int]()
                inside.reserveCapacity(n)
                var z = [Double](repeating: 0, count: n * d)
                for i in 0..<(n * d) { z[i] = rng.nextGaussian() }
                // Odd sweeps: independence proposals from the cloud's Student-t fit, prop = centre + c·L·z/√w.
                let independent = sweepsHere % 2 == 1
                var logQRatio = [Double](repeating: 0, count: n)
                if independent {
                    let nu = Self.independenceNu, c = Self.independenceScale
                    let power = -(nu + Double(d)) / 2
                    var y = [Double](repeating: 0, count: d)
                    for i in 0..<n {
                        var chi = 0.0
                        for _ in 0..<Int(nu) { let g = rng.nextGaussian(); chi += g * g }
                        let w = chi / nu
                        var rz = 0.0
                        for k in 0..<d { rz += z[i * d + k] * z[i * d + k] }
                        // r² of the current point: |L⁻¹(x − centre)|²/c² by forward substitution.
                        var rx = 0.0
                        for a in 0..<d {
                            var v = (x[i * d + a] - centre[a]) / c
                            for b in 0..<a { v -= l[a * d + b] * y[b] }
                            y[a] = v / l[a * d + a]
                            rx += y[a] * y[a]
                        }
                        // log q(x) − log q(prop); the proposal is centre + c·L·z/√w (set below through x = centre, step = c/√w).
                        logQRatio[i] = power * log1p(rx / nu) - power * log1p(rz / w / nu)
                        let f = 1 / w.squareRoot()
                        for k in 0..<d { z[i * d + k] *= f }
                    }
                }
                let base = independent ? [Double]((0..<n).flatMap { _ in centre }) : x
                let stepNow = independent ? Self.independenceScale : step
                // prop = base + step·L·z, row by row (L lower triangular).
                prop.withUnsafeMutableBufferPointer { pb in
                    base.withUnsafeBufferPointer { xb in
                        l.withUnsafeBufferPointer { lb in
                            z.withUnsafeBufferPointer { zb in
                                box.lower.withUnsafeBufferPointer { lo in
                                    box.upper.withUnsafeBufferPointer { hi in
                                        for i in 0..<n {
                                            var ok = true
                                            let o = i * d
                                            for a in 0..<d {
                                                var v = 0.0
                                                let la = a * d
                                                for b in 0...a { v += lb[la + b] * zb[o + b] }
                                                let t = xb[o + a] + stepNow * v
                                                pb[o + a] = t
                                                if t < lo[a] || t > hi[a] { ok = false }
                                            }
                                            if ok { inside.append(i) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                var rows = [Double](repeating: 0, count: inside.count * d)
                for (r, i) in inside.enumerated() { for k in 0..<d { rows[r * d + k] = prop[i * d + k] } }
                let c = inside.isEmpty ? [] : model.values(atRows: rows)
                evaluations += inside.count
                var acc = 0
                var isAccepted = [Bool](repeating: false, count: inside.count)
                for r in inside.indices {
                    let lp = c[r].isFinite ? -c[r] / (2 * s.temperature2) : -.infinity
                    guard lp > -.infinity else { continue }
                    isAccepted[r] = log(rng.nextUniform()) < beta * (lp - ll[inside[r]]) + logQRatio[inside[r]] || ll[inside[r]] == -.infinity
                }
                for (r, i) in inside.enumerated() where isAccepted[r] {
                    for k in 0..<d { x[i * d + k] = prop[i * d + k] }
                    chi2[i] = c[r]
                    ll[i] = c[r].isFinite ? -c[r] / (2 * s.temperature2) : -.infinity
                    acc += 1
                }
                accepted += acc; tried += n; movedTotal += acc
                sweepsHere += 1
                if !independent {
                    let rate = Double(acc) / Double(n)
                    scale *= exp(rate - 0.234)
                    scale = min(max(scale, 1e-3), 3)
                }
                if replay == nil && sweepsHere >= 2 && Double(movedTotal) >= s.acceptedMoves * Double(n) { break }
            }
            sweeps += sweepsHere
            schedule.betas.append(next); schedule.factors.append(l); schedule.means.append(centre); schedule.steps.append(stepsHere)
        }
        var distinct = Set<[Double]>()
        for i in 0..<n { distinct.insert(Array(x[(i * d)..<((i + 1) * d)])) }
        let run = SMCRun(seed: seed, logZ: logZ, temperatures: betas.count, finalESS: finalESS, minimumESS: minESS,
                         distinctFraction: Double(distinct.count) / Double(n), acceptance: tried > 0 ? Double(accepted) / Double(tried) : 0,
                         sweeps: sweeps, evaluations: evaluations, seconds: Date().timeIntervalSince(clock))
        return (Output(run: run, theta: x, chi2: chi2, betas: betas), schedule)
    }
}

/// Student-t quantiles (for the error of a mean of few runs).
enum StudentT {
    /// The density of t with ν degrees of freedom.
    static func density(_ x: Double, _ nu: Double) -> Double {
        exp(lgamma((nu + 1) / 2) - lgamma(nu / 2) - 0.5 * log(nu * Double.pi) - (nu + 1) / 2 * log1p(x * x / nu))
    }
    /// P(0 ≤ T ≤ x) by composite Simpson.
    static func halfMass(_ x: Double, _ nu: Double) -> Double {
        let m = 2000
        let h = x / Double(m)
        var s = density(0, nu) + density(x, nu)
        for k in 1..<m { s += (k % 2 == 1 ? 4 : 2) * density(Double(k) * h, nu) }
        return s * h / 3
    }
    /// The x with P(|T| ≤ x) = `coverage` (ν ≥ 1).
    static func quantile(coverage: Double, nu: Double) -> Double {
        var lo = 0.0, hi = 1.0
        while 2 * halfMass(hi, nu) < coverage { hi *= 2 }
        for _ in 0..<60 {
            let mid = 0.5 * (lo + hi)
            if 2 * halfMass(mid, nu) < coverage { lo = mid } else { hi = mid }
        }
        return 0.5 * (lo + hi)
    }
}
