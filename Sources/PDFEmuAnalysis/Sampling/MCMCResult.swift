import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory

/// The output of an MCMC run: the kept samples with their χ², and the diagnostics and marginal
/// summaries computed from them. Samples are ordered step-major (all walkers of a kept step, then the next).
package struct MCMCResult: Sendable, Codable, Equatable {
    /// Sampler used: "ensemble" (affine-invariant stretch move) or "hmc" (Hamiltonian Monte Carlo).
    package var method: MCMCSampler
    /// HMC only: number of trajectories rejected as divergent (energy error > 1000 or non-finite χ²) after burn-in.
    package var divergences: Int
    /// HMC only: mean leapfrog step size after adaptation, in whitened units (nil for the ensemble sampler).
    package var hmcStepSize: Double?
    /// Parameter names, in column order of `samples`.
    package var parameterNames: [String]
    /// The options the run used (walkers resolved; for HMC `walkers` is the number of chains).
    package var options: MCMCOptions
    /// Samples after burn-in and thinning, n×P row-major.
    package var samples: [Double]
    /// χ² of each sample (n).
    package var chi2: [Double]
    /// Model evaluations made (start points included; proposals outside bounds are not evaluated).
    package var evaluations: Int
    /// Fraction of proposals accepted after burn-in.
    package var acceptanceRate: Double
    /// Fraction of proposals accepted during burn-in (NaN without burn-in).
    package var burnInAcceptanceRate: Double
    /// Integrated autocorrelation time per parameter, in steps (walker-averaged autocorrelation,
    /// Sokal window c = 5, on the unthinned kept chain).
    package var autocorrelationTime: [Double]
    /// Effective sample size per parameter: walkers × kept steps / τ.
    package var effectiveSampleSize: [Double]
    /// Split-R̂ per parameter over the walkers' half-chains (unthinned kept chain).
    package var splitRHat: [Double]
    /// Number of samples checked against the training domain (evenly spaced, ≤ `options.domainCheckLimit`).
    package var domainChecked: Int
    /// Fraction of checked samples outside the training domain (`DomainCheck.inside == false`).
    package var outsideDomainFraction: Double
    /// Fraction of checked samples outside the per-parameter training box.
    package var outsideBoxFraction: Double
    /// Marginal mean per parameter.
    package var mean: [Double]
    /// Marginal standard deviation per parameter.
    package var std: [Double]
    /// Marginal median per parameter.
    package var median: [Double]
    /// Lower end of the 68.27% central interval (15.87% quantile) per parameter.
    package var lower68: [Double]
    /// Upper end of the 68.27% central interval (84.13% quantile) per parameter.
    package var upper68: [Double]
    /// Lower end of the 95.45% central interval (2.275% quantile) per parameter.
    package var lower95: [Double]
    /// Upper end of the 95.45% central interval (97.725% quantile) per parameter.
    package var upper95: [Double]
    /// Sample covariance of the parameters, P×P row-major.
    package var covariance: [Double]
    /// Lowest χ² met by any walker after burn-in.
    package var bestChi2: Double
    /// The point where `bestChi2` was met.
    package var bestTheta: [Double]

    /// Number of parameters P.
    package var parameterCount: Int { parameterNames.count }
    /// Number of kept samples n.
    package var sampleCount: Int { chi2.count }
    /// Sample i (0 ≤ i < n) as a vector.
    package func sample(_ i: Int) -> [Double] {
        let p = parameterCount
        return Array(samples[(i * p)..<((i + 1) * p)])
    }
    /// All kept values of parameter j.
    package func column(_ j: Int) -> [Double] {
        let p = parameterCount
        return (0..<sampleCount).map { samples[$0 * p + j] }
    }
    /// Kept steps per walker after burn-in (before thinning).
    package var keptSteps: Int { options.steps }
    /// The smallest effective sample size over parameters.
    package var minimumESS: Double { effectiveSampleSize.filter { !$0.isNaN }.min() ?? .nan }
    /// The largest split-R̂ over parameters.
    package var maximumRHat: Double { splitRHat.filter { !$0.isNaN }.max() ?? .nan }
    /// The largest autocorrelation time over parameters.
    package var maximumAutocorrelationTime: Double { autocorrelationTime.filter { !$0.isNaN }.max() ?? .nan }
    /// True if the chain is shorter than 50 τ (emcee's rule of thumb for a reliable τ estimate).
    package var chainTooShort: Bool {
        let t = maximumAutocorrelationTime
        return t.isNaN || Double(options.steps) < 50 * t
    }
}

extension MCMCResult {
    /// Marginal summaries of `samples` (n×P): mean, std, median, 68%/95% central intervals, covariance.
    static func marginals(_ samples: [Double], n: Int, p: Int)
        -> (mean: [Double], std: [Double], median: [Double], l68: [Double], u68: [Double], l95: [Double],
            u95: [Double], cov: [Double]) {
        var mean = [Double](repeating: 0, count: p)
        for i in 0..<n { for j in 0..<p { mean[j] += samples[i * p + j] } }
        if n > 0 { for j in 0..<p { mean[j] /= Double(n) } }
        var cov = [Double](repeating: 0, count: p * p)
        for i in 0..<n {
            for a in 0..<p {
                let da = samples[i * p + a] - mean[a]
                for b in a..<p { cov[a * p + b] += da * (samples[i * p + b] - mean[b]) }
            }
        }
        let denom = Double(max(n - 1, 1))
        for a in 0..<p { for b in a..<p { cov[a * p + b] /= denom; cov[b * p + a] = cov[a * p + b] } }
        var std = [Double](), med = [Double](), l68 = [Double](), u68 = [Double](), l95 = [Double](), u95 = [Double]()
        let q68 = 0.5 * (1 - erf(1 / 2.0.squareRoot())), q95 = 0.5 * (1 - erf(2 / 2.0.squareRoot()))
        for j in 0..<p {
            let col = (0..<n).map { samples[$0 * p + j] }.sorted()
            std.append(cov[j * p + j].squareRoot())
            med.append(Stats.quantileSorted(col, 0.5))
            l68.append(Stats.quantileSorted(col, q68)); u68.append(Stats.quantileSorted(col, 1 - q68))
            l95.append(Stats.quantileSorted(col, q95)); u95.append(Stats.quantileSorted(col, 1 - q95))
        }
        return (mean, std, med, l68, u68, l95, u95, cov)
    }
}
