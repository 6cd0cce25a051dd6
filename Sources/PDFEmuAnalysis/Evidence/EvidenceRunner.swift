import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory

/// Computes the evidence of a `ScalarModel` for a uniform box prior: finds the modes by multi-start
/// minimisation, builds the Laplace reference on their Hessians, and runs the estimators asked for
/// (sequential Monte Carlo by default; the Laplace-importance and annealed estimators by name).
package enum EvidenceRunner {
    /// The evidence. Throws one line for bad input: a parameter without a prior range, an unbounded or
    /// empty range, a prior box that excludes the minimum, T² ≤ 0, settings out of range, or a Hessian
    /// at the minimum that is not positive definite.
    package static func compute(model: any ScalarModel, prior: UniformBoxPrior, options: EvidenceOptions = EvidenceOptions()) throws -> EvidenceResult {
        try options.validate()
        let names = model.parameterNames
        let (lo, hi) = try prior.box(for: names)
        let box = PriorBox(lower: lo, upper: hi)
        let p = names.count
        let free = [ParameterConstraint](repeating: .free, count: p)
        var starts = Array(model.startingPoints.prefix(options.starts)).filter { $0.count == p }
        starts.append((0..<p).map { 0.5 * (lo[$0] + hi[$0]) })
        let ms = Minimiser(model: model).minimiseMultiStart(from: starts, constraints: free)
        let best = ms.best
        guard best.value.isFinite else { throw PDFEmuError(.chi2, "minimisation failed: χ² is not finite at any start") }
        if let i = (0..<p).first(where: { best.theta[$0] < lo[$0] || best.theta[$0] > hi[$0] }) {
            throw SettingError(.prior, "the prior box excludes the minimum: \(names[i]) = \(Fmt.num(best.theta[i], width: 0, digits: 6)) "
                              + "is outside [\(lo[i]), \(hi[i])]")
        }
        let t2 = options.temperature2
        var modes: [EvidenceMode] = []
        let candidates = ([best] + ms.all.filter { $0.converged }).sorted { $0.value < $1.value }
        for r in candidates where r.value.isFinite && box.contains(r.theta) && (r.value - best.value) / (2 * t2) < 40 {
            if let mode = try makeMode(model: model, at: r.theta, chi2: r.value, temperature2: t2, box: box) {
                let ref = ReferenceMixture(modes: [mode], nu: options.degreesOfFreedom, defensive: 0, box: box)
                if modes.allSatisfy({ ReferenceMixture(modes: [$0], nu: 1, defensive: 0, box: box).mahalanobis2(r.theta, $0) > 1
                                       && ref.mahalanobis2($0.centre, mode) > 1 }) {
                    modes.append(mode)
                }
            } else if modes.isEmpty {
                throw PDFEmuError(.chi2, "the Hessian at the minimum is not positive definite: no Laplace reference for the evidence")
            }
        }
        let reference = ReferenceMixture(modes: modes, nu: options.degreesOfFreedom, defensive: options.defensiveFraction, box: box)
        let target = EvidenceTarget(model: model, box: box, temperature2: t2)
        let wants = Set(options.methods)
        var warnings: [String] = []
        var importance: EvidenceEstimate?, annealed: AnnealedStepping.Output?, smc: SMCEstimate?
        var outside = 0.0
        if wants.contains(.importance) {
            let r = LaplaceImportance.estimate(target: target, reference: reference, samples: options.samples, seed: options.seed)
            importance = r.estimate
            outside = max(outside, r.outsideFraction)
        }
        if wants.contains(.annealed) {
            let r = AnnealedStepping.estimate(target: target, reference: reference, particles: options.particles,
                                              temperatures: options.temperatures, moves: options.moves, seed: options.seed &+ 1)
            annealed = r
            outside = max(outside, r.outsideFraction)
        }
        if wants.contains(.smc) {
            let settings = SequentialMonteCarlo.Settings(particles: options.smcParticles, essFraction: options.essFraction,
                                                         acceptedMoves: options.acceptedMoves, maxSweeps: options.maxSweeps, temperature2: t2)
            let r = SMCEstimate.compute(model: model, box: box, settings: settings, runs: options.runs, seed: options.seed &+ 2)
            smc = r
            if model.trainingRegion != nil {
                var out = 0, total = 0
                for i in Swift.stride(from: 0, to: r.posteriorChi2.count, by: max(1, r.posteriorChi2.count / 2000)) {
                    total += 1
                    if !model.isInsideTrainingRegion(Array(r.posterior[(i * p)..<((i + 1) * p)])) { out += 1 }
                }
                outside = max(outside, total > 0 ? Double(out) / Double(total) : 0)
            }
        }
        var posteriorImportance: EvidenceEstimate?
        if wants.contains(.posteriorImportance), let smc {
            posteriorImportance = PosteriorImportance.estimate(model: model, box: box, draws: smc.posterior, temperature2: t2,
                                                               samples: options.posteriorSamples, nu: options.degreesOfFreedom,
                                                               seed: options.seed &+ 3)?.estimate
            if posteriorImportance == nil { warnings.append("posterior importance: the SMC particles' covariance is singular; no estimate") }
        }
        if model.trainingRegion != nil && outside > 0.01 {
            warnings.append("posterior mass reaches the edge of the training domain: \(Fmt.fixed(100 * outside, 1))% of the weighted "
                            + "samples lie outside it; log Z relies on the model's extrapolation there")
        }
        for e in [importance, annealed?.estimate, posteriorImportance].compactMap({ $0 }) where e.effectiveSampleSize < 0.05 * Double(e.count) {
            warnings.append("\(e.method): effective sample size \(Fmt.fixed(e.effectiveSampleSize, 1)) of \(e.count); the error may be underestimated")
        }
        if let i = importance, let a = annealed?.estimate {
            let gap = abs(i.logZ - a.logZ)
            let combined = (i.error * i.error + a.error * a.error).squareRoot()
            if gap > 3 * combined {
                warnings.append("the two estimators disagree by \(Fmt.fixed(gap, 3)) (\(Fmt.fixed(gap / combined, 1))σ); increase the samples, particles or temperatures")
            }
        }
        if let smc, let p = posteriorImportance {
            let gap = abs(smc.logZ - p.logZ), combined = (smc.error * smc.error + p.error * p.error).squareRoot()
            if gap > 3 * combined {
                warnings.append("SMC and posterior importance disagree by \(Fmt.fixed(gap, 3)) (\(Fmt.fixed(gap / combined, 1))σ): "
                                + "the SMC runs have not converged; use more particles or accepted moves")
            }
        }
        if let a = annealed, a.acceptance < 0.05 { warnings.append("annealing moves accepted only \(Fmt.fixed(100 * a.acceptance, 1))% of the time") }
        if let smc {
            let bad = smc.outlyingRuns
            if !bad.isEmpty {
                warnings.append("SMC: run(s) \(bad.map { String($0 + 1) }.joined(separator: ", ")) disagree with the others by more than 3σ; "
                                + "the runs have not converged: use more particles or accepted moves")
            }
            if let low = smc.runs.map(\.acceptance).min(), low < 0.02 {
                warnings.append("SMC: a run accepted only \(Fmt.fixed(100 * low, 1))% of its moves; the particles may not mix")
            }
            if let d = smc.runs.map(\.distinctFraction).min(), d < 0.5 {
                warnings.append("SMC: only \(Fmt.fixed(100 * d, 1))% of a run's final particles are distinct; use more accepted moves")
            }
        }
        return EvidenceResult(parameterNames: names, priorLower: lo, priorUpper: hi, logPriorVolume: box.logVolume, temperature2: t2,
                              chi2Minimum: best.value,
                              modes: zip(modes, reference.weights).map {
                                  EvidenceModeSummary(theta: $0.centre, chi2: $0.chi2, laplaceLogZ: $0.laplaceLogZ, weight: $1)
                              },
                              laplaceLogZ: LogSum.exp(modes.map(\.laplaceLogZ)), smc: smc, importance: importance,
                              annealed: annealed?.estimate, posteriorImportance: posteriorImportance, path: annealed?.path ?? [], acceptance: annealed?.acceptance,
                              outsideTrainingFraction: outside, warnings: warnings)
    }

    /// The Laplace mode at a minimum (nil if the Hessian there is not positive definite).
    static func makeMode(model: any ScalarModel, at theta: [Double], chi2: Double, temperature2 t2: Double,
                         box: PriorBox) throws -> EvidenceMode? {
        let n = theta.count
        let h = try HessianAnalysis.analyse(model: model, at: theta, constraints: .init(repeating: .free, count: n), tolerances: [1])
        guard h.positiveDefinite, let l = try BLAS.cholesky(h.covariance.map { $0 * t2 }, n: n) else { return nil }
        let logDet = 2 * (0..<n).reduce(0) { $0 + log(l[$1 * n + $1]) }
        let laplace = -chi2 / (2 * t2) + Double(n) / 2 * log(2 * Double.pi) + 0.5 * logDet - box.logVolume
        return EvidenceMode(centre: theta, chi2: chi2, cholesky: l, logDetCovariance: logDet, laplaceLogZ: laplace)
    }
}
