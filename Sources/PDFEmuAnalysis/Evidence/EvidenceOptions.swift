import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory
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

    /// Creates options (defaults: 4000 samples; 256 particles × 48 temperatures × 3 moves; ν = 5; 5% defensive).
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
        try checkSizes()
    }

    /// Sizes before anything is allocated: each importance sample or particle holds a point, its
    /// weight and work space (1 kB assumed); the temperatures' records, and the model evaluations of the
    /// annealing (particles × temperatures × moves, at most 10¹⁰), are bounded; throws a `SettingError`
    /// naming `evidenceSamples`, `evidenceParticles`, `evidenceTemperatures` or `evidenceMoves`.
    public func checkSizes() throws(SettingError) {
        try SizeLimits.check(.evidenceSamples, samples, cap: 100_000_000, bytesEach: 1024, what: "samples")
        try SizeLimits.check(.evidenceParticles, particles, cap: 10_000_000, bytesEach: 1024, what: "particles")
        try SizeLimits.check(.evidenceTemperatures, temperatures, cap: 100_000, bytesEach: 1024 + 8 * Double(particles), what: "temperatures")
        try SizeLimits.check(.evidenceMoves, moves, cap: max(1, 10_000_000_000 / (particles * temperatures)), bytesEach: 0,
                             what: "moves per particle and temperature (with \(particles) particles and \(temperatures) temperatures)")
    }
}

extension Setting {
    /// Importance samples of the evidence.
    public static let evidenceSamples = Setting("evidence.samples")
    /// Annealing particles of the evidence.
    public static let evidenceParticles = Setting("evidence.particles")
    /// Annealing temperatures of the evidence.
    public static let evidenceTemperatures = Setting("evidence.temperatures")
    /// Metropolis moves per particle and temperature of the evidence.
    public static let evidenceMoves = Setting("evidence.moves")
}
