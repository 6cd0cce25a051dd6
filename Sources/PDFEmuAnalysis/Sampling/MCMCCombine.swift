import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory

extension MCMCResult {
    /// Combines independent runs of one sampler setting (same parameters, walkers, steps and thin; seeds
    /// may differ) into one result: samples and χ² concatenated in the given order; marginals and
    /// covariance recomputed from all samples; acceptance rates averaged; evaluations, divergences and
    /// effective sample sizes summed; τ averaged; split-R̂ recomputed over every walker (HMC: chain) of every
    /// run, from the thinned samples; domain fractions weighted by the samples checked; the lowest χ² kept.
    /// The options are the first run's. One run is returned unchanged. Throws if the runs do not fit.
    package static func combining(_ runs: [MCMCResult]) throws -> MCMCResult {
        guard let first = runs.first else { throw PDFEmuError(.step("mcmc"), "no runs to combine") }
        if runs.count == 1 { return first }
        let p = first.parameterCount, w = first.options.walkers
        for r in runs.dropFirst() {
            guard r.parameterNames == first.parameterNames, r.options.walkers == w, r.options.steps == first.options.steps,
                  r.options.thin == first.options.thin, r.method == first.method, r.sampleCount == first.sampleCount else {
                throw PDFEmuError(.step("mcmc"), "runs with different parameters, sampler or settings cannot be combined")
            }
        }
        let k = Double(runs.count)
        var samples: [Double] = [], chi2: [Double] = []
        for r in runs { samples += r.samples; chi2 += r.chi2 }
        let n = chi2.count
        let m = marginals(samples, n: n, p: p)
        // Split-R̂ over all walker series (each run's samples are step-major: all walkers of one kept step).
        let perRun = first.sampleCount, stepsKept = w > 0 ? perRun / w : 0
        var rhat: [Double] = []
        for j in 0..<p {
            var series: [[Double]] = []
            for (ri, _) in runs.enumerated() {
                let base = ri * perRun
                for walker in 0..<w { series.append((0..<stepsKept).map { s in samples[(base + s * w + walker) * p + j] }) }
            }
            rhat.append(MCMCDiagnostics.splitRHat(series))
        }
        func meanOf(_ f: (MCMCResult) -> Double) -> Double { runs.reduce(0) { $0 + f($1) } / k }
        let checked = runs.reduce(0) { $0 + $1.domainChecked }
        func weighted(_ f: (MCMCResult) -> Double) -> Double {
            checked > 0 ? runs.reduce(0) { $0 + ($1.domainChecked > 0 ? f($1) * Double($1.domainChecked) : 0) } / Double(checked) : .nan
        }
        let best = runs.min { $0.bestChi2 < $1.bestChi2 }!
        let steps = runs.map(\.hmcStepSize)
        return MCMCResult(method: first.method, divergences: runs.reduce(0) { $0 + $1.divergences },
                          hmcStepSize: steps.contains(nil) ? nil : steps.reduce(0) { $0 + $1! } / k,
                          parameterNames: first.parameterNames, options: first.options, samples: samples, chi2: chi2,
                          evaluations: runs.reduce(0) { $0 + $1.evaluations },
                          acceptanceRate: meanOf(\.acceptanceRate), burnInAcceptanceRate: meanOf(\.burnInAcceptanceRate),
                          autocorrelationTime: (0..<p).map { j in runs.reduce(0) { $0 + $1.autocorrelationTime[j] } / k },
                          effectiveSampleSize: (0..<p).map { j in runs.reduce(0) { $0 + $1.effectiveSampleSize[j] } },
                          splitRHat: rhat, domainChecked: checked,
                          outsideDomainFraction: weighted(\.outsideDomainFraction),
                          outsideBoxFraction: weighted(\.outsideBoxFraction),
                          mean: m.mean, std: m.std, median: m.median, lower68: m.l68, upper68: m.u68,
                          lower95: m.l95, upper95: m.u95, covariance: m.cov, bestChi2: best.bestChi2, bestTheta: best.bestTheta)
    }
}
