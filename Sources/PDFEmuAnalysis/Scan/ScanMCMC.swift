import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory

/// MCMC settings of a scan: `chains` independent sampler runs (seeds seed, seed+1, …), each one work unit,
/// started around the scan's minimum with the Hessian covariance T²·H⁻¹ (H = ½∂²χ², `MCMCStart.hessian`).
package struct ScanMCMCOptions: Sendable, Codable, Equatable {
    /// The sampler.
    package var sampler: MCMCSampler
    /// Independent runs (work units); run c uses seed `seed + c`.
    package var chains: Int
    /// The sampler settings every run shares (walkers — for HMC, chains per run —, steps, burn-in, thin,
    /// seed of run 0, T²); run c uses seed `sampling.seed + c`, and the bounds come from the scan.
    package var sampling: MCMCOptions

    /// Creates settings (defaults: one ensemble run, 2000 kept steps after 500 burn-in, T² = 1).
    package init(sampler: MCMCSampler = .ensemble, chains: Int = 1, walkers: Int = 0, steps: Int = 2000,
                burnIn: Int = 500, thin: Int = 1, seed: UInt64 = 1, temperature2: Double = 1) {
        self.sampler = sampler
        self.chains = chains
        sampling = MCMCOptions(walkers: walkers, steps: steps, burnIn: burnIn, thin: thin, seed: seed,
                               temperature2: temperature2)
    }

    /// The sampler options of run `chain` for a model with bounds `lower`/`upper` (nil: none).
    package func samplerOptions(chain: Int, lower: [Double]?, upper: [Double]?) -> MCMCOptions {
        var o = sampling
        o.seed = sampling.seed &+ UInt64(chain)
        o.lower = lower
        o.upper = upper
        return o
    }

    /// Checks the model-independent settings; throws a `ScanSettingError` naming the setting.
    package func validate() throws(ScanSettingError) {
        let (walkers, steps, burnIn, thin, temperature2) = (sampling.walkers, sampling.steps, sampling.burnIn, sampling.thin, sampling.temperature2)
        guard chains >= 1 else { throw ScanSettingError(.mcmcChains, "need at least 1, got \(chains)") }
        guard walkers >= 0 else { throw ScanSettingError(.mcmcWalkers, "must be ≥ 0 (0: automatic), got \(walkers)") }
        if sampler == .ensemble && walkers != 0 && (walkers < 4 || walkers % 2 != 0) {
            throw ScanSettingError(.mcmcWalkers, "the ensemble sampler needs an even number ≥ 4, got \(walkers)")
        }
        guard steps >= 1 else { throw ScanSettingError(.mcmcSteps, "need at least 1, got \(steps)") }
        guard burnIn >= 0 else { throw ScanSettingError(.mcmcBurnIn, "must be ≥ 0, got \(burnIn)") }
        guard thin >= 1 else { throw ScanSettingError(.mcmcThin, "need at least 1, got \(thin)") }
        guard thin <= steps else { throw ScanSettingError(.mcmcThin, "\(thin) is larger than the kept steps (\(steps))") }
        guard temperature2 > 0, temperature2.isFinite else {
            throw ScanSettingError(.mcmcTemperature2, "T² must be > 0, got \(temperature2)")
        }
        // Sizes before anything is allocated: each walker holds its position and work space (1 kB
        // assumed); each kept sample of each walker of each run 8 bytes per parameter (16 assumed) and
        // its χ²; the steps a walker takes in all are bounded too.
        try SizeLimits.validate(.mcmcWalkers, walkers, cap: 1_000_000, bytesEach: 1024, what: "walkers")
        let perStep = Double(chains) * Double(max(walkers, 64)) * 8 * 17
        try SizeLimits.validate(.mcmcSteps, steps / thin, cap: 1_000_000_000, bytesEach: perStep, what: "kept steps")
        try SizeLimits.validate(.mcmcBurnIn, burnIn, cap: 1_000_000_000, bytesEach: 0, what: "steps")
        guard steps <= 1_000_000_000 else {
            throw ScanSettingError(.mcmcSteps, "\(steps) steps is above the limit of 1000000000 (the largest accepted)")
        }
    }
}

/// One MCMC run of a scan (a work unit).
package struct ScanMCMCChain: Sendable, Equatable {
    /// Run number c (seed = base seed + c).
    package var index: Int
    /// The run's samples and diagnostics.
    package var result: MCMCResult
    /// Creates a run record.
    package init(index: Int, result: MCMCResult) { self.index = index; self.result = result }
}

/// The MCMC part of a scan: the runs computed and their combination.
package struct ScanMCMC: Sendable, Equatable {
    /// Sampled parameters (the free ones; fixed parameters stay at their values).
    package var parameterNames: [String]
    /// Number of runs in the whole scan (a shard may hold fewer).
    package var chainCount: Int
    /// The runs computed, ascending by index (at least one).
    package var chains: [ScanMCMCChain]
    /// All runs held here combined (`MCMCResult.combining`).
    package var combined: MCMCResult

    /// Combines `chains` (sorted by index; must not be empty).
    package init(chainCount: Int, chains: [ScanMCMCChain]) throws {
        let sorted = chains.sorted { $0.index < $1.index }
        self.chainCount = chainCount
        self.chains = sorted
        self.combined = try MCMCResult.combining(sorted.map(\.result))
        self.parameterNames = combined.parameterNames
    }
}

extension ScanMCMC: Encodable {
    private enum Keys: String, CodingKey { case parameterNames, chainCount, chainIndices, combined, chains }
    /// JSON: the combined and per-run summaries without the samples (those are in the --output file).
    package func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(parameterNames, forKey: .parameterNames)
        try c.encode(chainCount, forKey: .chainCount)
        try c.encode(chains.map(\.index), forKey: .chainIndices)
        try c.encode(MCMCSummaryJSON(combined), forKey: .combined)
        try c.encode(chains.map { MCMCSummaryJSON($0.result) }, forKey: .chains)
    }
}

/// An MCMC result's diagnostics and marginals, without samples (for JSON).
private struct MCMCSummaryJSON: Encodable {
    var method: MCMCSampler, parameterNames: [String], options: MCMCOptions, sampleCount: Int, evaluations: Int
    var acceptanceRate: Double, burnInAcceptanceRate: Double, divergences: Int, hmcStepSize: Double?
    var autocorrelationTime: [Double], effectiveSampleSize: [Double], splitRHat: [Double]
    var domainChecked: Int, outsideDomainFraction: Double, outsideBoxFraction: Double
    var mean: [Double], std: [Double], median: [Double], lower68: [Double], upper68: [Double]
    var lower95: [Double], upper95: [Double], covariance: [Double], bestChi2: Double, bestTheta: [Double]
    var warnings: [String]
    init(_ r: MCMCResult) {
        method = r.method; parameterNames = r.parameterNames; options = r.options; sampleCount = r.sampleCount
        evaluations = r.evaluations; acceptanceRate = r.acceptanceRate; burnInAcceptanceRate = r.burnInAcceptanceRate
        divergences = r.divergences; hmcStepSize = r.hmcStepSize
        autocorrelationTime = r.autocorrelationTime; effectiveSampleSize = r.effectiveSampleSize; splitRHat = r.splitRHat
        domainChecked = r.domainChecked; outsideDomainFraction = r.outsideDomainFraction; outsideBoxFraction = r.outsideBoxFraction
        mean = r.mean; std = r.std; median = r.median; lower68 = r.lower68; upper68 = r.upper68
        lower95 = r.lower95; upper95 = r.upper95; covariance = r.covariance; bestChi2 = r.bestChi2; bestTheta = r.bestTheta
        warnings = r.warnings.map { $0.hasPrefix("warning: ") ? String($0.dropFirst(9)) : $0 }
    }
}
