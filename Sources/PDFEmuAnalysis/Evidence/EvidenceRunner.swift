import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory

/// Computes the evidence of a `ScalarModel` for a uniform box prior: finds the modes by multi-start
/// minimisation, builds the Laplace reference on their Hessians, and runs the two estimators.
public enum EvidenceRunner {
    /// The evidence. Throws one line for bad input: a parameter without a prior range, an unbounded or
    /// empty range, a prior box that excludes the minimum, T² ≤ 0, settings out of range, or a Hessian
    /// at the minimum that is not positive definite.
    public static func compute(model: any ScalarModel, prior: UniformBoxPrior, options: EvidenceOptions = EvidenceOptions()) throws -> EvidenceResult {
        try options.check()
        let names = model.parameterNames
        let (lo, hi) = try prior.box(for: names)
        let box = PriorBox(lower: lo, upper: hi)
        let p = names.count
        let free = [ParameterConstraint](repeating: .free, count: p)
        var starts = Array(model.startingPoints.prefix(options.starts)).filter { $0.count == p }
        starts.append((0..<p).map { 0.5 * (lo[$0] + hi[$0]) })
        let ms = Minimiser(model: model).minimiseMultiStart(from: starts, constraints: free)
        let best = ms.best
        guard best.value.isFinite else { throw PDFEmuError("minimisation failed: χ² is not finite at any start") }
        if let i = (0..<p).first(where: { best.theta[$0] < lo[$0] || best.theta[$0] > hi[$0] }) {
            throw PDFEmuError("--prior: the prior box excludes the minimum: \(names[i]) = \(Fmt.num(best.theta[i], width: 0, digits: 6)) "
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
                throw PDFEmuError("the Hessian at the minimum is not positive definite: no Laplace reference for the evidence")
            }
        }
        let reference = ReferenceMixture(modes: modes, nu: options.degreesOfFreedom, defensive: options.defensiveFraction, box: box)
        let target = EvidenceTarget(model: model, box: box, temperature2: t2)
        let (importance, isOutside) = LaplaceImportance.estimate(target: target, reference: reference, samples: options.samples,
                                                                 seed: options.seed)
        let annealed = AnnealedStepping.estimate(target: target, reference: reference, particles: options.particles,
                                                 temperatures: options.temperatures, moves: options.moves, seed: options.seed &+ 1)
        var warnings: [String] = []
        let outside = max(isOutside, annealed.outsideFraction)
        if model.trainingRegion != nil && outside > 0.01 {
            warnings.append("posterior mass reaches the edge of the training domain: \(Fmt.fixed(100 * outside, 1))% of the weighted "
                            + "samples lie outside it; log Z relies on the model's extrapolation there")
        }
        for e in [importance, annealed.estimate] where e.effectiveSampleSize < 0.05 * Double(e.count) {
            warnings.append("\(e.method): effective sample size \(Fmt.fixed(e.effectiveSampleSize, 1)) of \(e.count); the error may be underestimated")
        }
        let gap = abs(importance.logZ - annealed.estimate.logZ)
        let combined = (importance.error * importance.error + annealed.estimate.error * annealed.estimate.error).squareRoot()
        if gap > 3 * combined {
            warnings.append("the two estimators disagree by \(Fmt.fixed(gap, 3)) (\(Fmt.fixed(gap / combined, 1))σ); increase --samples/--particles/--temperatures")
        }
        if annealed.acceptance < 0.05 { warnings.append("annealing moves accepted only \(Fmt.fixed(100 * annealed.acceptance, 1))% of the time") }
        return EvidenceResult(parameterNames: names, priorLower: lo, priorUpper: hi, logPriorVolume: box.logVolume, temperature2: t2,
                              chi2Minimum: best.value,
                              modes: zip(modes, reference.weights).map {
                                  EvidenceModeSummary(theta: $0.centre, chi2: $0.chi2, laplaceLogZ: $0.laplaceLogZ, weight: $1)
                              },
                              laplaceLogZ: LogSum.exp(modes.map(\.laplaceLogZ)), importance: importance, annealed: annealed.estimate,
                              path: annealed.path, acceptance: annealed.acceptance, outsideTrainingFraction: outside, warnings: warnings)
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
