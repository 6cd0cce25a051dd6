import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory

/// Extra settings of Hamiltonian Monte Carlo (`HamiltonianSampler`).
package struct HMCOptions: Sendable, Codable, Equatable {
    /// Maximum leapfrog steps per trajectory; each trajectory uses a uniform random number in 1…max
    /// (random lengths avoid resonances on near-Gaussian surfaces).
    package var maxLeapfrogSteps: Int
    /// Acceptance probability the step size is tuned to during burn-in (dual averaging).
    package var targetAcceptance: Double
    /// Initial leapfrog step size in whitened units (0: 0.5/P^¼).
    package var initialStepSize: Double

    /// Creates HMC settings.
    package init(maxLeapfrogSteps: Int = 20, targetAcceptance: Double = 0.8, initialStepSize: Double = 0) {
        self.maxLeapfrogSteps = maxLeapfrogSteps
        self.targetAcceptance = targetAcceptance
        self.initialStepSize = initialStepSize
    }
}

/// Hamiltonian Monte Carlo with the exact gradient of χ² (`valueAndGradient`), drawing θ from
/// p(θ) ∝ exp(−χ²(θ)/(2T²)). It works in whitened coordinates θ = θ₀ + L·u, with L the Cholesky factor of the
/// start covariance (so that covariance is the mass matrix), tunes the step size during burn-in by dual
/// averaging (Hoffman & Gelman 2014), and runs `options.walkers` independent chains (0: 4) concurrently.
/// Each chain has its own generator derived from the seed: results do not depend on thread timing.
/// Needs a `.gaussian` start (its covariance is the metric). Proposals leaving the bounds are rejected.
package enum HamiltonianSampler {
    /// Runs HMC. `progress` is called on the calling thread about 100 times, and after the last step.
    package static func run(model: some ScalarModel, start: MCMCStart, options: MCMCOptions = MCMCOptions(),
                           hmc: HMCOptions = HMCOptions(),
                           progress: ((MCMCProgress) -> Void)? = nil) throws -> MCMCResult {
        let p = model.parameterNames.count
        var check = options
        check.walkers = max(4, 2 * p)  // chain count is checked below; validate the rest
        try check.validate(parameters: p)
        guard options.walkers >= 0 else { throw PDFEmuError(.step("hmc"), "number of chains must be positive (got \(options.walkers))") }
        guard hmc.maxLeapfrogSteps >= 1 else { throw PDFEmuError(.step("hmc"), "leapfrog steps must be at least 1") }
        guard hmc.targetAcceptance > 0, hmc.targetAcceptance < 1 else {
            throw PDFEmuError(.step("hmc"), "target acceptance must be in (0, 1) (got \(hmc.targetAcceptance))")
        }
        guard hmc.initialStepSize >= 0, hmc.initialStepSize.isFinite else { throw PDFEmuError(.step("hmc"), "initial step size must be ≥ 0") }
        guard case let .gaussian(centre, covariance, scale) = start else {
            throw PDFEmuError(.step("hmc"), "needs a Gaussian start (best fit and covariance), which also sets the mass matrix")
        }
        guard centre.count == p, covariance.count == p * p else {
            throw PDFEmuError(.step("hmc"), "start centre/covariance sizes do not match \(p) parameters")
        }
        guard scale.isFinite, scale > 0 else { throw PDFEmuError(.step("hmc"), "start scale must be positive (got \(scale))") }
        guard let l = try BLAS.cholesky(covariance, n: p) else { throw PDFEmuError(.step("hmc"), "start covariance is not positive definite") }
        guard options.inBounds(centre[...]) else { throw PDFEmuError(.step("hmc"), "start centre is outside the bounds") }

        var opts = options
        opts.walkers = options.walkers == 0 ? 4 : options.walkers
        let chains = opts.walkers, total = opts.burnIn + opts.steps
        let t2 = opts.temperature2
        let eps0 = hmc.initialStepSize > 0 ? hmc.initialStepSize : 0.5 / pow(Double(p), 0.25)

        func theta(_ u: [Double]) -> [Double] {
            var x = centre
            for i in 0..<p { var s = 0.0; for j in 0...i { s += l[i * p + j] * u[j] }; x[i] += s }
            return x
        }
        /// U(u) = χ²/(2T²) and its gradient in u (Lᵀ ∇θ χ² / 2T²); nil if out of bounds or not finite.
        func potential(_ u: [Double]) -> (chi2: Double, u: Double, grad: [Double])? {
            let x = theta(u)
            guard opts.inBounds(x[...]) else { return nil }
            let (v, g) = model.valueAndGradient(at: x)
            guard v.isFinite, g.allSatisfy(\.isFinite) else { return nil }
            var gu = [Double](repeating: 0, count: p)
            for j in 0..<p { var s = 0.0; for i in j..<p { s += l[i * p + j] * g[i] }; gu[j] = s / (2 * t2) }
            return (v, v / (2 * t2), gu)
        }

        // Initial states: u ~ N(0, scale²·I), i.e. θ ~ N(centre, scale²·covariance), inside bounds and finite.
        var states: [HMCChain] = []
        for c in 0..<chains {
            var rng = SeededGenerator(seed: opts.seed ^ (UInt64(c + 1) &* 0xD1B5_4A32_D192_ED03))
            var found: HMCChain?
            for _ in 0..<1000 {
                let u = (0..<p).map { _ in scale * rng.nextGaussian() }
                if let pot = potential(u) {
                    found = HMCChain(u: u, chi2: pot.chi2, pot: pot.u, grad: pot.grad, rng: rng, logEps: log(eps0),
                                     mu: log(10 * eps0))
                    break
                }
            }
            guard let s = found else { throw PDFEmuError(.step("hmc"), "cannot find a start point with finite χ² inside the bounds") }
            states.append(s)
        }

        var chainPos = [Double](repeating: 0, count: opts.steps * chains * p)
        var chainChi2 = [Double](repeating: 0, count: opts.steps * chains)
        let block = max(1, total / 100)
        var done = 0
        while done < total {
            let end = min(total, done + block)
            let from = done
            states.withUnsafeMutableBufferPointer { st in
                chainPos.withUnsafeMutableBufferPointer { cp in
                    chainChi2.withUnsafeMutableBufferPointer { cc in
                        let (stB, cpB, ccB) = (st, cp, cc)
                        let work = { (c: Int) in
                            for step in from..<end {
                                stB[c].transition(step: step, burnIn: opts.burnIn, hmc: hmc, p: p, potential: potential)
                                if step >= opts.burnIn {
                                    let s = step - opts.burnIn
                                    let x = theta(stB[c].u)
                                    for j in 0..<p { cpB[(s * chains + c) * p + j] = x[j] }
                                    ccB[s * chains + c] = stB[c].chi2
                                }
                            }
                        }
                        if opts.parallel && chains > 1 {
                            DispatchQueue.concurrentPerform(iterations: chains, execute: work)
                        } else {
                            for c in 0..<chains { work(c) }
                        }
                    }
                }
            }
            done = end
            if let progress {
                let acc = states.reduce(0) { $0 + $1.acceptSum } / Double(chains * done)
                progress(MCMCProgress(step: done, totalSteps: total, acceptance: acc, inBurnIn: done <= opts.burnIn))
            }
        }
        var bestChi2 = Double.infinity, bestTheta = [Double](repeating: .nan, count: p)
        for (i, c) in chainChi2.enumerated() where c < bestChi2 {
            bestChi2 = c
            bestTheta = Array(chainPos[(i * p)..<((i + 1) * p)])
        }
        let keptAcc = states.reduce(0) { $0 + $1.acceptKept } / Double(chains * opts.steps)
        let burnAcc = opts.burnIn > 0 ? states.reduce(0) { $0 + $1.acceptSum - $1.acceptKept } / Double(chains * opts.burnIn) : .nan
        return EnsembleSampler.summarise(model: model, options: opts, chainPos: chainPos, chainChi2: chainChi2,
                                         evaluations: states.reduce(chains) { $0 + $1.evaluations },
                                         acceptance: keptAcc, burnAcceptance: burnAcc, bestChi2: bestChi2,
                                         bestTheta: bestTheta, method: .hmc,
                                         divergences: states.reduce(0) { $0 + $1.divergencesKept },
                                         hmcStepSize: states.reduce(0) { $0 + exp($1.logEpsBar) } / Double(chains))
    }
}

/// State of one HMC chain (whitened position, step-size adaptation, counters).
struct HMCChain {
    var u: [Double]
    var chi2: Double
    var pot: Double
    var grad: [Double]
    var rng: SeededGenerator
    var logEps: Double
    var mu: Double
    var logEpsBar = 0.0
    var hBar = 0.0
    /// Sum of acceptance probabilities (all steps) and after burn-in.
    var acceptSum = 0.0
    var acceptKept = 0.0
    var divergencesKept = 0
    var evaluations = 0

    /// One HMC transition; adapts the step size while `step < burnIn`.
    mutating func transition(step: Int, burnIn: Int, hmc: HMCOptions, p: Int,
                             potential: ([Double]) -> (chi2: Double, u: Double, grad: [Double])?) {
        let adapting = step < burnIn
        if step == 0 && burnIn == 0 { logEpsBar = logEps }  // no adaptation: keep the initial step size
        let eps = (adapting ? exp(logEps) : exp(logEpsBar)) * (0.9 + 0.2 * rng.nextUniform())
        let nSteps = 1 + rng.nextInt(below: hmc.maxLeapfrogSteps)
        var mom = (0..<p).map { _ in rng.nextGaussian() }
        let logU = log(max(rng.nextUniform(), .leastNonzeroMagnitude))
        let h0 = pot + 0.5 * mom.reduce(0) { $0 + $1 * $1 }
        var x = u, g = grad
        var end: (chi2: Double, u: Double, grad: [Double])?
        var divergent = false
        for _ in 0..<nSteps {
            for j in 0..<p { mom[j] -= 0.5 * eps * g[j]; x[j] += eps * mom[j] }
            evaluations += 1
            guard let e = potential(x) else { end = nil; break }
            g = e.grad
            for j in 0..<p { mom[j] -= 0.5 * eps * g[j] }
            end = e
        }
        var alpha = 0.0
        if let e = end {
            let h1 = e.u + 0.5 * mom.reduce(0) { $0 + $1 * $1 }
            let dh = h0 - h1
            if !dh.isFinite || dh < -1000 { divergent = true } else {
                alpha = min(1, exp(dh))
                if logU < dh { u = x; chi2 = e.chi2; pot = e.u; grad = e.grad }
            }
        }
        acceptSum += alpha
        if adapting {
            // Dual averaging (Hoffman & Gelman 2014, Alg. 5): γ = 0.05, t₀ = 10, κ = 0.75.
            let t = Double(step + 1)
            hBar = (1 - 1 / (t + 10)) * hBar + (hmc.targetAcceptance - alpha) / (t + 10)
            logEps = mu - t.squareRoot() / 0.05 * hBar
            let w = pow(t, -0.75)
            logEpsBar = w * logEps + (1 - w) * logEpsBar
        } else {
            acceptKept += alpha
            if divergent { divergencesKept += 1 }
        }
    }
}
