import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory
/// The global minimum found by multi-start minimisation.
public struct ScanMinimum: Sendable, Codable, Equatable {
    /// χ² at the minimum.
    public var chi2: Double
    /// Best-fit parameters (all, fixed ones at their values).
    public var theta: [Double]
    /// True if the minimiser's convergence criterion was met.
    public var converged: Bool
    /// The minimiser's stopping reason.
    public var status: MinimiserStatus
    /// Newton iterations of the best start.
    public var iterations: Int
    /// Model evaluations of the best start.
    public var evaluations: Int
    /// Expected further decrease at the end (χ² units).
    public var edm: Double
    /// Parameters sitting at a bound.
    public var atBound: [String]
    /// The constraint of each parameter.
    public var constraints: [ParameterConstraint]
    /// Per-experiment χ² at the minimum (empty if the model has none).
    public var perExperiment: [Double]
    /// Ensemble spread of χ² at the minimum.
    public var spread: Double
    /// Where the minimum lies relative to the training points (nil for a model without a training region).
    public var domain: DomainCheck?
    /// Lowest χ² among the model's training points (nil for a model without a training region).
    public var sampleMinimum: Double?
    /// Final χ² of each start.
    public var startChi2: [Double]
    /// Whether each start converged.
    public var startConverged: [Bool]
    /// Problems found.
    public var warnings: [String]
    /// What `spread` is (calibrated, uncalibrated, none for one member); nil in files written before it was
    /// stored. Kept in the HDF5 result (`/minimum` attribute `spread_status`) and the text report, not in
    /// the JSON form, whose keys stay those of format v1.
    public var spreadStatus: SpreadStatus? = nil

    /// The JSON keys (format v1: every field but `spreadStatus`).
    enum CodingKeys: String, CodingKey {
        case chi2, theta, converged, status, iterations, evaluations, edm, atBound, constraints, perExperiment, spread, domain,
             sampleMinimum, startChi2, startConverged, warnings
    }
}

/// The interval where a profile stays at or below Δχ² = tolerance.
public struct ProfileInterval: Sendable, Codable, Equatable {
    /// The level T² (Δχ²).
    public var tolerance: Double
    /// Lower end (absolute value); nil if the profile never crosses below the best fit within the grid.
    public var lower: Double?
    /// Upper end (absolute value); nil if the profile never crosses above the best fit within the grid.
    public var upper: Double?
    /// True if the profiled point at the lower end is inside the training domain.
    public var lowerInside: Bool
    /// True if the profiled point at the upper end is inside the training domain.
    public var upperInside: Bool
    /// True if each closed end was refined by root-finding with converged re-minimisations
    /// (false: linear interpolation between grid points).
    public var refined: Bool
}

/// A 1D profile of one parameter: χ² minimised over all others at each grid value.
public struct ProfileResult: Sendable, Codable, Equatable {
    /// The profiled parameter.
    public var parameter: String
    /// Its index in the model's parameter list.
    public var index: Int
    /// Its best-fit value.
    public var best: Double
    /// Grid values, ascending.
    public var values: [Double]
    /// Profiled χ² minus the global minimum.
    public var deltaChi2: [Double]
    /// Profiled point (all parameters) at each grid value.
    public var theta: [[Double]]
    /// Per-experiment χ² minus its value at the minimum, at each grid value.
    public var perExperiment: [[Double]]
    /// Ensemble spread of χ² at each profiled point.
    public var spread: [Double]
    /// True where the profiled point is inside the training domain.
    public var inside: [Bool]
    /// True where the inner minimisation converged.
    public var converged: [Bool]
    /// Interval at each tolerance.
    public var intervals: [ProfileInterval]
    /// Problems found.
    public var warnings: [String]
}

/// A 2D profile contour at one Δχ² level, as a polygon (one vertex per ray).
public struct ContourLevel: Sendable, Codable, Equatable {
    /// The Δχ² level.
    public var level: Double
    /// First parameter's value at each vertex.
    public var a: [Double]
    /// Second parameter's value at each vertex.
    public var b: [Double]
    /// Profiled Δχ² reached at each vertex (≈ level unless open).
    public var deltaChi2: [Double]
    /// Profiled point at each vertex.
    public var theta: [[Double]]
    /// True where the vertex's profiled point is inside the training domain.
    public var inside: [Bool]
    /// True where the inner minimisations converged and the crossing was located.
    public var converged: [Bool]
    /// True where the ray never reached the level (vertex = farthest point tried).
    public var open: [Bool]
}

/// A 2D profile contour of a pair of parameters.
public struct ContourResult: Sendable, Codable, Equatable {
    /// First parameter.
    public var a: String
    /// Second parameter.
    public var b: String
    /// One polygon per level, ascending.
    public var levels: [ContourLevel]
    /// Problems found.
    public var warnings: [String]
}

/// A Lagrange-multiplier scan of a derived quantity q(θ): minima of χ² + λ·q over a range of λ.
public struct LagrangeResult: Sendable, Codable, Equatable {
    /// Label ("q0", "q1", …).
    public var name: String
    /// The expression, or "model:<label>" for a second model.
    public var definition: String
    /// q at the minimum.
    public var best: Double
    /// Hessian error of q at Δχ² = 1: √(∇qᵀ V ∇q) (NaN if undefined).
    public var sigma: Double
    /// Multipliers λ, ascending.
    public var lambda: [Double]
    /// q at each constrained minimum.
    public var q: [Double]
    /// χ² − χ²_min at each constrained minimum.
    public var deltaChi2: [Double]
    /// Constrained minimum (all parameters) at each λ.
    public var theta: [[Double]]
    /// True where the point is inside the training domain.
    public var inside: [Bool]
    /// True where the minimisation converged.
    public var converged: [Bool]
    /// Interval of q at each tolerance.
    public var intervals: [ProfileInterval]
    /// Problems found.
    public var warnings: [String]
}

/// Which shard of a run a result holds.
public struct ShardSpec: Sendable, Codable, Equatable {
    /// Shard index k, 0 ≤ k < count.
    public var index: Int
    /// Number of shards N.
    public var count: Int
    /// Creates k/N.
    public init(index: Int, count: Int) { self.index = index; self.count = count }
    /// Parses "k/N".
    public init(parsing s: String) throws(ScanSettingError) {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n >= 1, k >= 0, k < n else {
            throw ScanSettingError(.shard, s, "expected k/N with 0 ≤ k < N (e.g. 0/4)")
        }
        self.init(index: k, count: n)
    }
    /// True if unit number `unit` belongs to this shard.
    public func owns(_ unit: Int) -> Bool { unit % count == index }
}

/// Work and time spent on a scan (not part of the saved result).
public struct ScanTiming: Sendable, Codable, Equatable {
    /// Wall time of the whole scan, seconds.
    public var seconds: Double
    /// Wall time of the units (profiles, contours, Lagrange scans), seconds.
    public var unitSeconds: Double
    /// Constrained minimisations done for the units (grid points, refinements, ray steps).
    public var profiledPoints: Int
    /// Model evaluations (value + gradient + Hessian) for the units.
    public var modelEvaluations: Int
    /// Wall time of the MCMC runs, seconds (0: none).
    public var mcmcSeconds: Double = 0
    /// Profiled points per second of unit wall time.
    public var pointsPerSecond: Double { unitSeconds > 0 ? Double(profiledPoints) / unitSeconds : 0 }
}

/// Everything a scan computes. Encodes to JSON with MCMC summaries but without MCMC samples.
public struct ScanResult: Sendable, Encodable, Equatable {
    /// Identifies the model and options (shards of one run share it).
    public var runID: String
    /// The model's parameter names.
    public var parameterNames: [String]
    /// The model's per-experiment names.
    public var experimentNames: [String]
    /// Tolerances T² (Δχ²) errors and intervals are given for.
    public var tolerances: [Double]
    /// The global minimum.
    public var minimum: ScanMinimum
    /// Hessian errors at the minimum.
    public var hessian: HessianAnalysis
    /// All work units of the run, in order ("profile/NAME", "contour/A__B", "lagrange/qK").
    public var units: [String]
    /// 1D profiles computed, in unit order.
    public var profiles: [ProfileResult]
    /// 2D contours computed, in unit order.
    public var contours: [ContourResult]
    /// Lagrange scans computed, in unit order.
    public var lagrange: [LagrangeResult]
    /// The shard this result holds (nil: the whole run).
    public var shard: ShardSpec?
    /// Time and work (nil when read from a file or merged).
    public var timing: ScanTiming?
    /// MCMC runs computed (nil: none in this result).
    public var mcmc: ScanMCMC? = nil

    /// The same result without timing (for comparisons).
    public var withoutTiming: ScanResult { var r = self; r.timing = nil; return r }
}
