import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory

/// The affine-invariant ensemble sampler of Goodman & Weare (2010) with the stretch move, as in emcee,
/// drawing θ from p(θ) ∝ exp(−χ²(θ)/(2T²)) for any `ScalarModel`. Walkers are updated in two halves
/// (red–blue split), so each half's χ² evaluations run concurrently. All random numbers are drawn on the
/// calling thread in a fixed order, so results depend only on the seed, never on thread timing.
package enum EnsembleSampler {
    /// Runs the sampler. `progress` is called on the calling thread about 200 times, and after the last step.
    /// Throws `PDFEmuError` for invalid options or start points, or when no start point has a finite χ².
    package static func run(model: some ScalarModel, start: MCMCStart, options: MCMCOptions = MCMCOptions(),
                           progress: ((MCMCProgress) -> Void)? = nil) throws -> MCMCResult {
        let p = model.parameterNames.count
        try options.validate(parameters: p)
        var opts = options
        opts.walkers = options.resolvedWalkers(parameters: p)
        let w = opts.walkers, half = w / 2
        let t2 = opts.temperature2, a = opts.stretch
        var rng = SeededGenerator(seed: opts.seed)

        // Start positions and their χ².
        var pos = try startPositions(model: model, start: start, options: opts, rng: &rng)
        var chi2 = [Double](repeating: .infinity, count: w)
        var evaluations = 0
        evaluate(model, pos, p: p, indices: Array(0..<w), into: &chi2, parallel: opts.parallel)
        evaluations += w
        if let bad = chi2.firstIndex(where: { !$0.isFinite }) {
            throw PDFEmuError(.step("mcmc"), "the χ² at start point \(bad + 1) is not finite (\(chi2[bad])); move the start")
        }

        let total = opts.burnIn + opts.steps
        var chainPos = [Double](repeating: 0, count: opts.steps * w * p)
        var chainChi2 = [Double](repeating: 0, count: opts.steps * w)
        var acceptedBurn = 0, acceptedKept = 0, proposedTotal = 0, acceptedTotal = 0
        var bestChi2 = Double.infinity, bestTheta = [Double](repeating: .nan, count: p)
        let reportEvery = max(1, total / 200)
        var proposal = [Double](repeating: 0, count: w * p)
        var propChi2 = [Double](repeating: .infinity, count: w)
        var logZ = [Double](repeating: 0, count: w), logU = [Double](repeating: 0, count: w)

        for step in 0..<total {
            var acceptedThisStep = 0
            for set in 0..<2 {
                let active = set == 0 ? 0..<half : half..<w
                let other = set == 0 ? half : 0
                var toEvaluate: [Int] = []
                for k in active {
                    let u = rng.nextUniform()
                    let z = ((a - 1) * u + 1) * ((a - 1) * u + 1) / a
                    let partner = other + rng.nextInt(below: half)
                    logU[k] = log(max(rng.nextUniform(), .leastNonzeroMagnitude))
                    logZ[k] = Double(p - 1) * log(z)
                    for j in 0..<p {
                        let xc = pos[partner * p + j]
                        proposal[k * p + j] = xc + z * (pos[k * p + j] - xc)
                    }
                    if opts.inBounds(proposal[(k * p)..<((k + 1) * p)]) {
                        toEvaluate.append(k)
                    } else {
                        propChi2[k] = .infinity
                    }
                }
                evaluate(model, proposal, p: p, indices: toEvaluate, into: &propChi2, parallel: opts.parallel)
                evaluations += toEvaluate.count
                for k in active {
                    let c = propChi2[k]
                    guard c.isFinite else { continue }
                    let logRatio = logZ[k] - (c - chi2[k]) / (2 * t2)
                    if logU[k] < logRatio {
                        for j in 0..<p { pos[k * p + j] = proposal[k * p + j] }
                        chi2[k] = c
                        acceptedThisStep += 1
                    }
                }
            }
            proposedTotal += w
            acceptedTotal += acceptedThisStep
            if step < opts.burnIn {
                acceptedBurn += acceptedThisStep
            } else {
                acceptedKept += acceptedThisStep
                let s = step - opts.burnIn
                for i in 0..<(w * p) { chainPos[s * w * p + i] = pos[i] }
                for k in 0..<w {
                    chainChi2[s * w + k] = chi2[k]
                    if chi2[k] < bestChi2 { bestChi2 = chi2[k]; bestTheta = Array(pos[(k * p)..<((k + 1) * p)]) }
                }
            }
            if let progress, (step + 1) % reportEvery == 0 || step + 1 == total {
                progress(MCMCProgress(step: step + 1, totalSteps: total,
                                      acceptance: Double(acceptedTotal) / Double(proposedTotal),
                                      inBurnIn: step < opts.burnIn))
            }
        }

        return summarise(model: model, options: opts, chainPos: chainPos, chainChi2: chainChi2,
                         evaluations: evaluations,
                         acceptance: Double(acceptedKept) / Double(w * opts.steps),
                         burnAcceptance: opts.burnIn > 0 ? Double(acceptedBurn) / Double(w * opts.burnIn) : .nan,
                         bestChi2: bestChi2, bestTheta: bestTheta)
    }

    // MARK: - Internals

    /// χ² at the points listed in `indices` (rows of `points`, P wide), written to `out[index]`.
    /// Non-finite values are stored as +∞ (rejected).
    static func evaluate(_ model: some ScalarModel, _ points: [Double], p: Int, indices: [Int],
                         into out: inout [Double], parallel: Bool) {
        let n = indices.count
        guard n > 0 else { return }
        out.withUnsafeMutableBufferPointer { buf in
            let outBuf = buf
            let work = { (lo: Int, hi: Int) in
                for m in lo..<hi {
                    let k = indices[m]
                    let v = model.value(at: Array(points[(k * p)..<((k + 1) * p)]))
                    outBuf[k] = v.isFinite ? v : .infinity
                }
            }
            let chunks = parallel ? min(n, ProcessInfo.processInfo.activeProcessorCount) : 1
            if chunks <= 1 {
                work(0, n)
            } else {
                DispatchQueue.concurrentPerform(iterations: chunks) { c in
                    work(c * n / chunks, (c + 1) * n / chunks)
                }
            }
        }
    }

    /// Initial walker positions (W×P row-major), all within bounds.
    static func startPositions(model: some ScalarModel, start: MCMCStart, options: MCMCOptions,
                               rng: inout SeededGenerator) throws -> [Double] {
        let p = model.parameterNames.count, w = options.walkers
        var pos = [Double](repeating: 0, count: w * p)
        switch start {
        case let .gaussian(centre, covariance, scale):
            guard centre.count == p else { throw PDFEmuError(.step("mcmc"), "start centre has \(centre.count) values for \(p) parameters") }
            guard covariance.count == p * p else {
                throw PDFEmuError(.step("mcmc"), "start covariance has \(covariance.count) entries, expected \(p * p)")
            }
            guard scale.isFinite, scale > 0 else { throw PDFEmuError(.step("mcmc"), "start scale must be positive (got \(scale))") }
            guard let l = try BLAS.cholesky(covariance, n: p) else {
                throw PDFEmuError(.step("mcmc"), "start covariance is not positive definite")
            }
            guard options.inBounds(centre[...]) else { throw PDFEmuError(.step("mcmc"), "start centre is outside the bounds") }
            for k in 0..<w {
                var placed = false
                for _ in 0..<1000 {
                    let g = (0..<p).map { _ in rng.nextGaussian() }
                    var x = centre
                    for i in 0..<p { for j in 0...i { x[i] += scale * l[i * p + j] * g[j] } }
                    if options.inBounds(x[...]) {
                        for j in 0..<p { pos[k * p + j] = x[j] }
                        placed = true
                        break
                    }
                }
                if !placed { throw PDFEmuError(.step("mcmc"), "cannot place walkers inside the bounds around the start centre") }
            }
        case .startingPoints:
            try fill(&pos, from: model.startingPoints, what: "model starting points", model: model, options: options, rng: &rng)
        case let .points(points):
            try fill(&pos, from: points, what: "start points", model: model, options: options, rng: &rng)
        }
        return pos
    }

    /// Fills walkers from `points`, cycling; repeated points get a Gaussian jitter of 1% of the points'
    /// per-parameter spread (or of the training box width if the points do not spread) so the ensemble
    /// spans all P dimensions. A jitter leaving the bounds is retried with a shrinking width.
    private static func fill(_ pos: inout [Double], from points: [[Double]], what: String, model: some ScalarModel,
                             options: MCMCOptions, rng: inout SeededGenerator) throws {
        let p = model.parameterNames.count, w = options.walkers
        guard !points.isEmpty else { throw PDFEmuError(.step("mcmc"), "no \(what) to start from") }
        for (i, x) in points.enumerated() {
            guard x.count == p else { throw PDFEmuError(.step("mcmc"), "\(what) \(i + 1) has \(x.count) values for \(p) parameters") }
            guard options.inBounds(x[...]) else { throw PDFEmuError(.step("mcmc"), "\(what) \(i + 1) is outside the bounds") }
        }
        var jitter = [Double](repeating: 0, count: p)
        for j in 0..<p {
            let col = points.map { $0[j] }
            var s = Stats.std(col)
            if !(s > 0), let r = model.trainingRegion, j < r.trainingUpper.count, j < r.trainingLower.count {
                s = r.trainingUpper[j] - r.trainingLower[j]
            }
            if !(s > 0) { s = max(abs(col[0]), 1) }
            jitter[j] = 0.01 * s
        }
        let distinct = min(points.count, w)
        for k in 0..<w {
            let base = points[k % points.count]
            var placed = false
            var shrink = 1.0
            for _ in 0..<200 {
                var x = base
                if k >= distinct || points.count < p + 1 {
                    for j in 0..<p { x[j] += shrink * jitter[j] * rng.nextGaussian() }
                }
                shrink *= 0.8
                if options.inBounds(x[...]) {
                    for j in 0..<p { pos[k * p + j] = x[j] }
                    placed = true
                    break
                }
            }
            if !placed { throw PDFEmuError(.step("mcmc"), "cannot place walkers inside the bounds around the \(what)") }
        }
    }

    /// Diagnostics, thinning, domain check and marginals of a finished run.
    static func summarise(model: some ScalarModel, options: MCMCOptions, chainPos: [Double], chainChi2: [Double],
                          evaluations: Int, acceptance: Double, burnAcceptance: Double,
                          bestChi2: Double, bestTheta: [Double], method: MCMCSampler = .ensemble, divergences: Int = 0,
                          hmcStepSize: Double? = nil) -> MCMCResult {
        let p = model.parameterNames.count, w = options.walkers, steps = options.steps
        var tau = [Double](), ess = [Double](), rhat = [Double]()
        for j in 0..<p {
            let chains = (0..<w).map { k in (0..<steps).map { s in chainPos[(s * w + k) * p + j] } }
            let t = MCMCDiagnostics.integratedTime(chains)
            tau.append(t)
            ess.append(t.isNaN ? .nan : Double(w * steps) / max(t, 1))
            rhat.append(MCMCDiagnostics.splitRHat(chains))
        }
        var samples = [Double](), chi2 = [Double]()
        for s in stride(from: 0, to: steps, by: options.thin) {
            samples.append(contentsOf: chainPos[(s * w * p)..<((s + 1) * w * p)])
            chi2.append(contentsOf: chainChi2[(s * w)..<((s + 1) * w)])
        }
        let n = chi2.count
        let region = model.trainingRegion
        let nCheck = region == nil ? 0 : min(n, options.domainCheckLimit)
        var outside = 0, outBox = 0
        if nCheck > 0 {
            var flags = [UInt8](repeating: 0, count: nCheck)
            let sampleCopy = samples
            flags.withUnsafeMutableBufferPointer { buf in
                let out = buf
                let chunks = options.parallel ? min(nCheck, ProcessInfo.processInfo.activeProcessorCount) : 1
                DispatchQueue.concurrentPerform(iterations: chunks) { c in
                    for m in (c * nCheck / chunks)..<((c + 1) * nCheck / chunks) {
                        let i = m * n / nCheck
                        let d = region!.domain(at: Array(sampleCopy[(i * p)..<((i + 1) * p)]))
                        out[m] = (d.inside ? 0 : 1) | (d.inBox ? 0 : 2)
                    }
                }
            }
            outside = flags.filter { $0 & 1 != 0 }.count
            outBox = flags.filter { $0 & 2 != 0 }.count
        }
        let m = MCMCResult.marginals(samples, n: n, p: p)
        return MCMCResult(method: method, divergences: divergences, hmcStepSize: hmcStepSize,
                          parameterNames: model.parameterNames, options: options, samples: samples, chi2: chi2,
                          evaluations: evaluations, acceptanceRate: acceptance, burnInAcceptanceRate: burnAcceptance,
                          autocorrelationTime: tau, effectiveSampleSize: ess, splitRHat: rhat,
                          domainChecked: nCheck,
                          outsideDomainFraction: nCheck > 0 ? Double(outside) / Double(nCheck) : .nan,
                          outsideBoxFraction: nCheck > 0 ? Double(outBox) / Double(nCheck) : .nan,
                          mean: m.mean, std: m.std, median: m.median, lower68: m.l68, upper68: m.u68,
                          lower95: m.l95, upper95: m.u95, covariance: m.cov, bestChi2: bestChi2, bestTheta: bestTheta)
    }
}
