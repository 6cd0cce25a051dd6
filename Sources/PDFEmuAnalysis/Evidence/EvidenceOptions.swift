import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory

/// An estimator of `EvidenceRunner.compute`.
package enum EvidenceMethod: String, Sendable, Codable, CaseIterable {
    /// Sequential Monte Carlo from the prior with an adaptive temperature ladder, K independent runs (the default).
    case smc
    /// The Laplace approximation corrected by importance sampling.
    case importance
    /// Annealed stepping stones from the Laplace reference to the posterior.
    case annealed
    /// Importance sampling from a Student-t mixture fitted to SMC's final particles (needs smc): a second
    /// estimate from independent draws, with a standard error.
    case posteriorImportance = "posterior-importance"
}

/// Settings of `EvidenceRunner.compute`.
package struct EvidenceOptions: Sendable, Codable, Equatable {
    /// T² of the likelihood exp(−χ²/(2T²)) (1: the usual likelihood). Must be > 0.
    package var temperature2: Double
    /// Importance samples of the Laplace-corrected estimator.
    package var samples: Int
    /// Independent particles of the annealed (stepping-stone) estimator.
    package var particles: Int
    /// Temperatures β of the annealing path from the reference (β = 0) to the posterior (β = 1).
    package var temperatures: Int
    /// Metropolis moves per particle at each temperature.
    package var moves: Int
    /// Degrees of freedom ν of the Student-t reference components (heavier tails than the Gaussian keep
    /// the importance weights bounded).
    package var degreesOfFreedom: Int
    /// Fraction of the reference drawn uniformly from the prior box (defensive component).
    package var defensiveFraction: Double
    /// Random seed.
    package var seed: UInt64
    /// Starts of the multi-start minimisation that finds the modes.
    package var starts: Int
    /// The estimators to run (default: SMC alone).
    package var methods: [EvidenceMethod] = [.smc]
    /// SMC: independent runs K (their spread gives the error; run concurrently). At least 2.
    package var runs: Int = 8
    /// SMC: particles per run.
    package var smcParticles: Int = 1000
    /// SMC: target ESS of each step's incremental weights, as a fraction of the particles (0 < f < 1).
    package var essFraction: Double = 0.9
    /// SMC: Metropolis sweeps continue at each temperature until the particles have made this many
    /// accepted moves each on average. 16: on the exact HERA χ² (a side branch at low CDbar reached
    /// through a bend) 4 moves leave it populated in some runs only, and the runs' log Z spread 0.38.
    package var acceptedMoves: Double = 16
    /// SMC: at most this many sweeps per temperature (at ~12% acceptance, 16 accepted moves take ~130).
    package var maxSweeps: Int = 160
    /// Posterior importance: independent draws from the proposal fitted to SMC's particles.
    package var posteriorSamples: Int = 20000

    /// Creates options (defaults: 4000 samples; 256 particles × 48 temperatures × 3 moves; ν = 5; 5% defensive;
    /// the SMC settings keep their defaults: 8 runs × 1000 particles, ESS 0.9, 16 accepted moves, at most 160 sweeps).
    package init(temperature2: Double = 1, samples: Int = 4000, particles: Int = 256, temperatures: Int = 48, moves: Int = 3,
                degreesOfFreedom: Int = 5, defensiveFraction: Double = 0.05, seed: UInt64 = 1, starts: Int = 8) {
        self.temperature2 = temperature2
        self.samples = samples
        self.particles = particles
        self.temperatures = temperatures
        self.moves = moves
        self.degreesOfFreedom = degreesOfFreedom
        self.defensiveFraction = defensiveFraction
        self.seed = seed
        self.starts = starts
    }

    /// Throws one line naming the first setting out of range.
    package func validate() throws {
        guard temperature2 > 0, temperature2.isFinite else { throw SettingError(.evidenceTemperature2, "T² must be > 0, got \(temperature2)") }
        guard samples >= 10 else { throw SettingError(.evidenceSamples, "need at least 10, got \(samples)") }
        guard particles >= 10 else { throw SettingError(.evidenceParticles, "need at least 10, got \(particles)") }
        guard temperatures >= 2 else { throw SettingError(.evidenceTemperatures, "need at least 2, got \(temperatures)") }
        guard moves >= 1 else { throw SettingError(.evidenceMoves, "need at least 1, got \(moves)") }
        guard degreesOfFreedom >= 1 else { throw SettingError(.evidenceDegreesOfFreedom, "must be ≥ 1, got \(degreesOfFreedom)") }
        guard defensiveFraction >= 0, defensiveFraction < 1 else { throw SettingError(.evidenceDefensiveFraction, "must be in [0, 1), got \(defensiveFraction)") }
        guard starts >= 1 else { throw SettingError(.evidenceStarts, "need at least 1, got \(starts)") }
        guard !methods.isEmpty else { throw SettingError(.evidenceMethods, "give at least one estimator") }
        guard runs >= 2 else { throw SettingError(.evidenceRuns, "need at least 2 independent runs for an error, got \(runs)") }
        guard smcParticles >= 10 else { throw SettingError(.smcParticles, "need at least 10, got \(smcParticles)") }
        guard essFraction > 0, essFraction < 1 else { throw SettingError(.smcESSFraction, "must be in (0, 1), got \(essFraction)") }
        guard acceptedMoves > 0, acceptedMoves.isFinite else { throw SettingError(.smcAcceptedMoves, "must be > 0, got \(acceptedMoves)") }
        guard maxSweeps >= 2 else { throw SettingError(.smcMaxSweeps, "need at least 2, got \(maxSweeps)") }
        guard posteriorSamples >= 10 else { throw SettingError(.evidencePosteriorSamples, "need at least 10, got \(posteriorSamples)") }
        guard !methods.contains(.posteriorImportance) || methods.contains(.smc) else {
            throw SettingError(.evidenceMethods, "posterior-importance fits its proposal to the SMC particles: add smc")
        }
        try validateSizes()
    }

    /// Sizes before anything is allocated: each importance sample or particle holds a point, its
    /// weight and work space (1 kB assumed); the temperatures' records, and the model evaluations of the
    /// annealing (particles × temperatures × moves, at most 10¹⁰), are bounded; throws a `SettingError`
    /// naming `evidenceSamples`, `evidenceParticles`, `evidenceTemperatures` or `evidenceMoves`.
    package func validateSizes() throws(SettingError) {
        try SizeLimits.validate(.evidenceSamples, samples, cap: 100_000_000, bytesEach: 1024, what: "samples")
        try SizeLimits.validate(.evidenceParticles, particles, cap: 10_000_000, bytesEach: 1024, what: "particles")
        try SizeLimits.validate(.evidenceTemperatures, temperatures, cap: 100_000, bytesEach: 1024 + 8 * Double(particles), what: "temperatures")
        try SizeLimits.validate(.evidenceMoves, moves, cap: max(1, 10_000_000_000 / (particles * temperatures)), bytesEach: 0,
                             what: "moves per particle and temperature (with \(particles) particles and \(temperatures) temperatures)")
        try SizeLimits.validate(.evidencePosteriorSamples, posteriorSamples, cap: 100_000_000, bytesEach: 1024, what: "posterior importance samples")
        try SizeLimits.validate(.evidenceRuns, runs, cap: 10_000, bytesEach: 1024 * Double(max(1, smcParticles)), what: "SMC runs")
        try SizeLimits.validate(.smcParticles, smcParticles, cap: 10_000_000, bytesEach: 1024 * Double(max(1, runs)),
                             what: "particles per SMC run (with \(runs) runs)")
    }
}

extension Setting {
    /// Importance samples of the evidence.
    package static let evidenceSamples = Setting("evidence.samples")
    /// Annealing particles of the evidence.
    package static let evidenceParticles = Setting("evidence.particles")
    /// Annealing temperatures of the evidence.
    package static let evidenceTemperatures = Setting("evidence.temperatures")
    /// Metropolis moves per particle and temperature of the evidence.
    package static let evidenceMoves = Setting("evidence.moves")
    /// T² of the evidence's likelihood.
    package static let evidenceTemperature2 = Setting("evidence.temperature2")
    /// Degrees of freedom of the Student-t importance proposal.
    package static let evidenceDegreesOfFreedom = Setting("evidence.degreesOfFreedom")
    /// Fraction of importance samples drawn from the prior (defensive mixture).
    package static let evidenceDefensiveFraction = Setting("evidence.defensiveFraction")
    /// Starts of the minimisation the evidence's reference is built at.
    package static let evidenceStarts = Setting("evidence.starts")
    /// The estimators to run.
    package static let evidenceMethods = Setting("evidence.methods")
    /// Independent draws of the posterior importance estimator.
    package static let evidencePosteriorSamples = Setting("evidence.posteriorSamples")
    /// Independent SMC runs (their spread is the error).
    package static let evidenceRuns = Setting("evidence.runs")
    /// Particles of one SMC run.
    package static let smcParticles = Setting("evidence.smc.particles")
    /// The conditional ESS fraction each SMC temperature step aims at.
    package static let smcESSFraction = Setting("evidence.smc.essFraction")
    /// Accepted moves per particle at each SMC temperature.
    package static let smcAcceptedMoves = Setting("evidence.smc.acceptedMoves")
    /// Largest number of move sweeps at one SMC temperature.
    package static let smcMaxSweeps = Setting("evidence.smc.maxSweeps")
}
