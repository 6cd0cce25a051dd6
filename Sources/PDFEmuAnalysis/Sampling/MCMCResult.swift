import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory

/// The output of an MCMC run: the kept samples with their χ², and the diagnostics and marginal
/// summaries computed from them. Samples are ordered step-major (all walkers of a kept step, then the next).
public struct MCMCResult: Sendable, Codable, Equatable {
    /// Sampler used: "ensemble" (affine-invariant stretch move) or "hmc" (Hamiltonian Monte Carlo).
    public var method: MCMCSampler
    /// HMC only: number of trajectories rejected as divergent (energy error > 1000 or non-finite χ²) after burn-in.
    public var divergences: Int
    /// HMC only: mean leapfrog step size after adaptation, in whitened units (nil for the ensemble sampler).
    public var hmcStepSize: Double?
    /// Parameter names, in column order of `samples`.
    public var parameterNames: [String]
    /// The options the run used (walkers resolved; for HMC `walkers` is the number of chains).
    public var options: MCMCOptions
    /// Samples after burn-in and thinning, n×P row-major.
    public var samples: [Double]
    /// χ² of each sample (n).
    public var chi2: [Double]
    /// Model evaluations made (start points included; proposals outside bounds are not evaluated).
    public var evaluations: Int
    /// Fraction of proposals accepted after burn-in.
    public var acceptanceRate: Double
    /// Fraction of proposals accepted during burn-in (NaN without burn-in).
    public var burnInAcceptanceRate: Double
    /// Integrated autocorrelation time per parameter, in steps (walker-averaged autocorrelation,
    /// Sokal window c = 5, on the unthinned kept chain).
    public var autocorrelationTime: [Double]
    /// Effective sample size per parameter: walkers × kept steps / τ.
    public var effectiveSampleSize: [Double]
    /// Split-R̂ per parameter over the walkers' half-chains (unthinned kept chain).
    public var splitRHat: [Double]
    /// Number of samples checked against the training domain (evenly spaced, ≤ `options.domainCheckLimit`).
    public var domainChecked: Int
    /// Fraction of checked samples outside the training domain (`DomainCheck.inside == false`).
    public var outsideDomainFraction: Double
    /// Fraction of checked samples outside the per-parameter training box.
    public var outsideBoxFraction: Double
    /// Marginal mean per parameter.
    public var mean: [Double]
    /// Marginal standard deviation per parameter.
    public var std: [Double]
    /// Marginal median per parameter.
    public var median: [Double]
    /// Lower end of the 68.27% central interval (15.87% quantile) per parameter.
    public var lower68: [Double]
    /// Upper end of the 68.27% central interval (84.13% quantile) per parameter.
    public var upper68: [Double]
    /// Lower end of the 95.45% central interval (2.275% quantile) per parameter.
    public var lower95: [Double]
    /// Upper end of the 95.45% central interval (97.725% quantile) per parameter.
    public var upper95: [Double]
    /// Sample covariance of the parameters, P×P row-major.
    public var covariance: [Double]
    /// Lowest χ² met by any walker after burn-in.
    public var bestChi2: Double
    /// The point where `bestChi2` was met.
    public var bestTheta: [Double]

    /// Number of parameters P.
    public var parameterCount: Int { parameterNames.count }
    /// Number of kept samples n.
    public var sampleCount: Int { chi2.count }
    /// Sample i (0 ≤ i < n) as a vector.
    public func sample(_ i: Int) -> [Double] {
        let p = parameterCount
        return Array(samples[(i * p)..<((i + 1) * p)])
    }
    /// All kept values of parameter j.
    public func column(_ j: Int) -> [Double] {
        let p = parameterCount
        return (0..<sampleCount).map { samples[$0 * p + j] }
    }
    /// Kept steps per walker after burn-in (before thinning).
    public var keptSteps: Int { options.steps }
    /// The smallest effective sample size over parameters.
    public var minimumESS: Double { effectiveSampleSize.filter { !$0.isNaN }.min() ?? .nan }
    /// The largest split-R̂ over parameters.
    public var maximumRHat: Double { splitRHat.filter { !$0.isNaN }.max() ?? .nan }
    /// The largest autocorrelation time over parameters.
    public var maximumAutocorrelationTime: Double { autocorrelationTime.filter { !$0.isNaN }.max() ?? .nan }
    /// True if the chain is shorter than 50 τ (emcee's rule of thumb for a reliable τ estimate).
    public var chainTooShort: Bool {
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
