import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory

/// An estimator of `EvidenceRunner.compute`.
public enum EvidenceMethod: String, Sendable, Codable, CaseIterable {
    /// Sequential Monte Carlo from the prior with an adaptive temperature ladder, K independent runs (the default).
    case smc
    /// The Laplace approximation corrected by importance sampling.
    case importance
    /// Annealed stepping stones from the Laplace reference to the posterior.
    case annealed
}

/// An evidence setting of the SMC estimator.
public enum EvidenceSetting: String, Sendable, CaseIterable {
    case methods, runs, smcParticles = "smc.particles", essFraction = "smc.essFraction"
    case acceptedMoves = "smc.acceptedMoves", maxSweeps = "smc.maxSweeps"
}

/// A setting of `EvidenceOptions` out of range: which one and why ("SETTING: MESSAGE" in library spelling;
/// the CLI prints its flag instead).
public struct EvidenceSettingError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The setting at fault.
    public var setting: EvidenceSetting
    /// Why, in one line.
    public var message: String
    /// Creates the error.
    public init(_ setting: EvidenceSetting, _ message: String) { self.setting = setting; self.message = message }
    /// "SETTING: MESSAGE".
    public var description: String { "\(setting.rawValue): \(message)" }
    /// The line with `name` (e.g. a flag) in place of the setting.
    public func line(naming name: String) -> String { "\(name): \(message)" }
}

/// Settings of `EvidenceRunner.compute`.
public struct EvidenceOptions: Sendable, Codable, Equatable {
    /// T² of the likelihood exp(−χ²/(2T²)) (1: the usual likelihood). Must be > 0.
    public var temperature2: Double
    /// Importance samples of the Laplace-corrected estimator.
    public var samples: Int
    /// Independent particles of the annealed (stepping-stone) estimator.
    public var particles: Int
    /// Temperatures β of the annealing path from the reference (β = 0) to the posterior (β = 1).
    public var temperatures: Int
    /// Metropolis moves per particle at each temperature.
    public var moves: Int
    /// Degrees of freedom ν of the Student-t reference components (heavier tails than the Gaussian keep
    /// the importance weights bounded).
    public var degreesOfFreedom: Int
    /// Fraction of the reference drawn uniformly from the prior box (defensive component).
    public var defensiveFraction: Double
    /// Random seed.
    public var seed: UInt64
    /// Starts of the multi-start minimisation that finds the modes.
    public var starts: Int
    /// The estimators to run (default: SMC alone).
    public var methods: [EvidenceMethod] = [.smc]
    /// SMC: independent runs K (their spread gives the error; run concurrently). At least 2.
    public var runs: Int = 8
    /// SMC: particles per run.
    public var smcParticles: Int = 2000
    /// SMC: target ESS of each step's incremental weights, as a fraction of the particles (0 < f < 1).
    public var essFraction: Double = 0.9
    /// SMC: Metropolis sweeps continue at each temperature until the particles have made this many
    /// accepted moves each on average.
    public var acceptedMoves: Double = 4
    /// SMC: at most this many sweeps per temperature.
    public var maxSweeps: Int = 40

    /// Creates options (defaults: 4000 samples; 256 particles × 48 temperatures × 3 moves; ν = 5; 5% defensive;
    /// the SMC settings keep their defaults: 8 runs × 2000 particles, ESS 0.9, 4 accepted moves, 40 sweeps).
    public init(temperature2: Double = 1, samples: Int = 4000, particles: Int = 256, temperatures: Int = 48, moves: Int = 3,
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
    public func check() throws {
        guard temperature2 > 0, temperature2.isFinite else { throw PDFEmuError("--tolerance: T² must be > 0, got \(temperature2)") }
        guard samples >= 10 else { throw PDFEmuError("--samples: need at least 10, got \(samples)") }
        guard particles >= 10 else { throw PDFEmuError("--particles: need at least 10, got \(particles)") }
        guard temperatures >= 2 else { throw PDFEmuError("--temperatures: need at least 2, got \(temperatures)") }
        guard moves >= 1 else { throw PDFEmuError("--moves: need at least 1, got \(moves)") }
        guard degreesOfFreedom >= 1 else { throw PDFEmuError("degrees of freedom must be ≥ 1, got \(degreesOfFreedom)") }
        guard defensiveFraction >= 0, defensiveFraction < 1 else { throw PDFEmuError("defensive fraction must be in [0, 1), got \(defensiveFraction)") }
        guard starts >= 1 else { throw PDFEmuError("--starts: need at least 1, got \(starts)") }
        guard !methods.isEmpty else { throw EvidenceSettingError(.methods, "give at least one estimator") }
        guard runs >= 2 else { throw EvidenceSettingError(.runs, "need at least 2 independent runs for an error, got \(runs)") }
        guard smcParticles >= 10 else { throw EvidenceSettingError(.smcParticles, "need at least 10, got \(smcParticles)") }
        guard essFraction > 0, essFraction < 1 else { throw EvidenceSettingError(.essFraction, "must be in (0, 1), got \(essFraction)") }
        guard acceptedMoves > 0, acceptedMoves.isFinite else { throw EvidenceSettingError(.acceptedMoves, "must be > 0, got \(acceptedMoves)") }
        guard maxSweeps >= 2 else { throw EvidenceSettingError(.maxSweeps, "need at least 2, got \(maxSweeps)") }
    }
}
