import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory

extension MCMCResult {
    /// R̂ above this is flagged as "not converged".
    package static let rHatFail = 1.1
    /// R̂ above this is flagged as "marginal convergence".
    package static let rHatWarn = 1.01

    /// Warning lines (empty when all diagnostics look fine): R̂ > 1.01 / 1.1, chain shorter than 50 τ,
    /// low acceptance, samples outside the training domain.
    package var warnings: [String] {
        var out: [String] = []
        let bad = parameterNames.indices.filter { splitRHat[$0] > Self.rHatFail || splitRHat[$0].isNaN }
        let marginal = parameterNames.indices.filter { splitRHat[$0] > Self.rHatWarn && splitRHat[$0] <= Self.rHatFail }
        if !bad.isEmpty {
            out.append("warning: not converged: split-R̂ > \(Self.rHatFail) for " + bad.map { "\(parameterNames[$0]) (\(Fmt.fixed(splitRHat[$0], 3)))" }.joined(separator: ", ") + "; run more steps or burn-in")
        }
        if !marginal.isEmpty {
            out.append("warning: marginal convergence: split-R̂ > \(Self.rHatWarn) for " + marginal.map { "\(parameterNames[$0]) (\(Fmt.fixed(splitRHat[$0], 3)))" }.joined(separator: ", "))
        }
        if chainTooShort {
            out.append("warning: kept chain (\(options.steps) steps) is shorter than 50 × max τ = \(Fmt.fixed(50 * maximumAutocorrelationTime, 0)) steps; τ and ESS are rough")
        }
        if divergences > 0 {
            out.append("warning: \(divergences) divergent HMC trajectories after burn-in; the step size may be too large for the χ² surface")
        }
        if acceptanceRate < 0.1 {
            out.append("warning: acceptance rate \(Fmt.fixed(100 * acceptanceRate, 1))% is low (expected 20–50%)")
        }
        if domainChecked > 0 && outsideDomainFraction > 0 {
            out.append("warning: \(Fmt.fixed(100 * outsideDomainFraction, 1))% of \(domainChecked) checked samples lie outside the training domain (\(Fmt.fixed(100 * outsideBoxFraction, 1))% outside the training box); the emulator extrapolates there")
        }
        return out
    }

    /// A readable multi-line summary: settings, diagnostics, the marginal table and warnings.
    package func summaryText() -> String {
        var s = ""
        let t2 = options.temperature2
        let how = method == .hmc
            ? "Hamiltonian Monte Carlo, exact gradient, \(options.walkers) chains, step size \(Fmt.num(hmcStepSize ?? .nan, width: 0, digits: 3)) (whitened), \(divergences) divergences"
            : "affine-invariant ensemble, stretch a = \(Fmt.fixed(options.stretch, 2)), \(options.walkers) walkers"
        s += "MCMC (\(how)): target p(θ) ∝ exp(−χ²/(2T²)), T² = \(Fmt.num(t2, width: 0, digits: 4))\n"
        s += "  burn-in \(options.burnIn) steps, kept \(options.steps) steps, thin \(options.thin), seed \(options.seed)\n"
        s += "  samples kept: \(sampleCount); χ² evaluations: \(evaluations)\n"
        s += "  acceptance: \(Fmt.fixed(100 * acceptanceRate, 1))% after burn-in"
        if !burnInAcceptanceRate.isNaN { s += " (\(Fmt.fixed(100 * burnInAcceptanceRate, 1))% during burn-in)" }
        s += "\n"
        s += "  lowest χ² seen: \(Fmt.fixed(bestChi2, 3)); sample χ² median \(Fmt.fixed(Stats.quantile(chi2, 0.5), 3)) (expected ≈ χ²_min + \(Fmt.num((Double(parameterCount) - 2.0 / 3.0) * t2, width: 0, digits: 3)) for a Gaussian posterior)\n"
        if domainChecked > 0 {
            s += "  training domain: \(Fmt.fixed(100 * outsideDomainFraction, 1))% of \(domainChecked) checked samples outside (\(Fmt.fixed(100 * outsideBoxFraction, 1))% outside the box)\n"
        }
        s += "  intervals are central quantiles of the marginal posterior at T² = \(Fmt.num(t2, width: 0, digits: 4)) (68%: 15.87–84.13%, 95%: 2.275–97.725%)\n"
        let w = max(10, (parameterNames.map(\.count).max() ?? 0) + 1)
        s += Fmt.pad("parameter", w) + Fmt.pad("mean", 12, right: true) + Fmt.pad("std", 12, right: true)
            + Fmt.pad("68% low", 12, right: true) + Fmt.pad("68% high", 12, right: true)
            + Fmt.pad("95% low", 12, right: true) + Fmt.pad("95% high", 12, right: true)
            + Fmt.pad("τ [steps]", 11, right: true) + Fmt.pad("ESS", 9, right: true) + Fmt.pad("R̂", 8, right: true) + "\n"
        for j in 0..<parameterCount {
            s += Fmt.pad(parameterNames[j], w) + Fmt.num(mean[j]) + Fmt.num(std[j]) + Fmt.num(lower68[j]) + Fmt.num(upper68[j])
                + Fmt.num(lower95[j]) + Fmt.num(upper95[j])
                + Fmt.pad(Fmt.fixed(autocorrelationTime[j], 1), 11, right: true)
                + Fmt.pad(Fmt.fixed(effectiveSampleSize[j], 0), 9, right: true)
                + Fmt.pad(Fmt.fixed(splitRHat[j], 3), 8, right: true) + "\n"
        }
        for line in warnings { s += line + "\n" }
        return s
    }
}
