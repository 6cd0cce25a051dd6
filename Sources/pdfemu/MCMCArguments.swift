import ArgumentParser
import PDFEmu

extension MCMCSampler: ExpressibleByArgument {}

/// The `--mcmc-…` options of `pdfemu scan`; defaults come from `ScanMCMCOptions`.
struct MCMCArguments: ParsableArguments {
    private static let defaults = ScanMCMCOptions()

    @Flag(help: "Sample exp(−χ²/(2T²)) with MCMC, started around the minimum with the Hessian covariance.") var mcmc = false
    @Option(help: "MCMC sampler: ensemble (affine-invariant) or hmc (Hamiltonian, exact gradient).") var mcmcSampler = defaults.sampler
    @Option(help: "Independent MCMC runs (work units; run c uses seed+c; shards split them, merge pools them).") var mcmcChains = defaults.chains
    @Option(help: "Walkers per MCMC run (ensemble, 0: max(32, 4P)); HMC: chains per run (0: 4).") var mcmcWalkers = defaults.sampling.walkers
    @Option(help: "MCMC steps per walker kept after burn-in.") var mcmcSteps = defaults.sampling.steps
    @Option(help: "MCMC steps per walker discarded first.") var mcmcBurnIn = defaults.sampling.burnIn
    @Option(help: "Keep every n-th kept MCMC step.") var mcmcThin = defaults.sampling.thin
    @Option(help: "MCMC random seed (of run 0).") var mcmcSeed = defaults.sampling.seed
    @Option(parsing: .unconditional, help: "T² of the sampled density exp(−χ²/(2T²)).") var mcmcTolerance = defaults.sampling.temperature2

    /// The settings as given (nil without --mcmc).
    var options: ScanMCMCOptions? {
        guard mcmc else { return nil }
        return ScanMCMCOptions(sampler: mcmcSampler, chains: mcmcChains, walkers: mcmcWalkers, steps: mcmcSteps, burnIn: mcmcBurnIn,
                               thin: mcmcThin, seed: mcmcSeed, temperature2: mcmcTolerance)
    }

    /// `--mcmc-…` options need `--mcmc`; with it, the settings must pass `ScanMCMCOptions.validate`.
    func validate() throws {
        let given = ScanMCMCOptions(sampler: mcmcSampler, chains: mcmcChains, walkers: mcmcWalkers, steps: mcmcSteps,
                                    burnIn: mcmcBurnIn, thin: mcmcThin, seed: mcmcSeed, temperature2: mcmcTolerance)
        if !mcmc && given != Self.defaults { throw ValidationError("--mcmc-… options need --mcmc") }
        if mcmc {
            do { try given.validate() } catch { throw ValidationError(cliMessage(error)) }
        }
    }
}
