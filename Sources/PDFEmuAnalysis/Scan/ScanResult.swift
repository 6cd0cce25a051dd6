import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory
/// The global minimum found by multi-start minimisation.
package struct ScanMinimum: Sendable, Codable, Equatable {
    /// χ² at the minimum.
    package var chi2: Double
    /// Best-fit parameters (all, fixed ones at their values).
    package var theta: [Double]
    /// True if the minimiser's convergence criterion was met.
    package var converged: Bool
    /// The minimiser's stopping reason.
    package var status: MinimiserStatus
    /// Newton iterations of the best start.
    package var iterations: Int
    /// Model evaluations of the best start.
    package var evaluations: Int
    /// Expected further decrease at the end (χ² units).
    package var edm: Double
    /// Parameters sitting at a bound.
    package var atBound: [String]
    /// The constraint of each parameter.
    package var constraints: [ParameterConstraint]
    /// Per-experiment χ² at the minimum (empty if the model has none).
    package var perExperiment: [Double]
    /// Ensemble spread of χ² at the minimum.
    package var spread: Double
    /// Where the minimum lies relative to the training points (nil for a model without a training region).
    package var domain: DomainCheck?
    /// Lowest χ² among the model's training points (nil for a model without a training region).
    package var sampleMinimum: Double?
    /// Final χ² of each start.
    package var startChi2: [Double]
    /// Whether each start converged.
    package var startConverged: [Bool]
    /// Problems found.
    package var warnings: [String]
    /// What `spread` is (calibrated, uncalibrated, none for one member); nil in files written before it was
    /// stored. Kept in the HDF5 result (`/minimum` attribute `spread_status`) and the text report, not in
    /// the JSON form, whose keys stay those of format v1.
    package var spreadStatus: SpreadStatus? = nil

    /// The JSON keys (format v1: every field but `spreadStatus`).
    enum CodingKeys: String, CodingKey {
        case chi2, theta, converged, status, iterations, evaluations, edm, atBound, constraints, perExperiment, spread, domain,
             sampleMinimum, startChi2, startConverged, warnings
    }
}

/// The interval where a profile stays at or below Δχ² = tolerance.
package struct ProfileInterval: Sendable, Codable, Equatable {
    /// The level T² (Δχ²).
    package var tolerance: Double
    /// Lower end (absolute value); nil if the profile never crosses below the best fit within the grid.
    package var lower: Double?
    /// Upper end (absolute value); nil if the profile never crosses above the best fit within the grid.
    package var upper: Double?
    /// True if the profiled point at the lower end is inside the training domain.
    package var lowerInside: Bool
    /// True if the profiled point at the upper end is inside the training domain.
    package var upperInside: Bool
    /// True if each closed end was refined by root-finding with converged re-minimisations
    /// (false: linear interpolation between grid points).
    package var refined: Bool
}

/// A 1D profile of one parameter: χ² minimised over all others at each grid value.
package struct ProfileResult: Sendable, Codable, Equatable {
    /// The profiled parameter.
    package var parameter: String
    /// Its index in the model's parameter list.
    package var index: Int
    /// Its best-fit value.
    package var best: Double
    /// Grid values, ascending.
    package var values: [Double]
    /// Profiled χ² minus the global minimum.
    package var deltaChi2: [Double]
    /// Profiled point (all parameters) at each grid value.
    package var theta: [[Double]]
    /// Per-experiment χ² minus its value at the minimum, at each grid value.
    package var perExperiment: [[Double]]
    /// Ensemble spread of χ² at each profiled point.
    package var spread: [Double]
    /// True where the profiled point is inside the training domain.
    package var inside: [Bool]
    /// True where the inner minimisation converged.
    package var converged: [Bool]
    /// Interval at each tolerance.
    package var intervals: [ProfileInterval]
    /// Problems found.
    package var warnings: [String]
}

/// A 2D profile contour at one Δχ² level, as a polygon (one vertex per ray).
package struct ContourLevel: Sendable, Codable, Equatable {
    /// The Δχ² level.
    package var level: Double
    /// First parameter's value at each vertex.
    package var a: [Double]
    /// Second parameter's value at each vertex.
    package var b: [Double]
    /// Profiled Δχ² reached at each vertex (≈ level unless open).
    package var deltaChi2: [Double]
    /// Profiled point at each vertex.
    package var theta: [[Double]]
    /// True where the vertex's profiled point is inside the training domain.
    package var inside: [Bool]
    /// True where the inner minimisations converged and the crossing was located.
    package var converged: [Bool]
    /// True where the ray never reached the level (vertex = farthest point tried).
    package var open: [Bool]
}

/// A 2D profile contour of a pair of parameters.
package struct ContourResult: Sendable, Codable, Equatable {
    /// First parameter.
    package var a: String
    /// Second parameter.
    package var b: String
    /// One polygon per level, ascending.
    package var levels: [ContourLevel]
    /// Problems found.
    package var warnings: [String]
}

/// A Lagrange-multiplier scan of a derived quantity q(θ): minima of χ² + λ·q over a range of λ.
package struct LagrangeResult: Sendable, Codable, Equatable {
    /// Label ("q0", "q1", …).
    package var name: String
    /// The expression, or "model:<label>" for a second model.
    package var definition: String
    /// q at the minimum.
    package var best: Double
    /// Hessian error of q at Δχ² = 1: √(∇qᵀ V ∇q) (NaN if undefined).
    package var sigma: Double
    /// Multipliers λ, ascending.
    package var lambda: [Double]
    /// q at each constrained minimum.
    package var q: [Double]
    /// χ² − χ²_min at each constrained minimum.
    package var deltaChi2: [Double]
    /// Constrained minimum (all parameters) at each λ.
    package var theta: [[Double]]
    /// True where the point is inside the training domain.
    package var inside: [Bool]
    /// True where the minimisation converged.
    package var converged: [Bool]
    /// Interval of q at each tolerance.
    package var intervals: [ProfileInterval]
    /// Problems found.
    package var warnings: [String]
}

/// Which shard of a run a result holds.
package struct ShardSpec: Sendable, Codable, Equatable {
    /// Shard index k, 0 ≤ k < count.
    package var index: Int
    /// Number of shards N.
    package var count: Int
    /// Creates k/N.
    package init(index: Int, count: Int) { self.index = index; self.count = count }
    /// Parses "k/N".
    package init(parsing s: String) throws(ScanSettingError) {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n >= 1, k >= 0, k < n else {
            throw ScanSettingError(.shard, s, "expected k/N with 0 ≤ k < N (e.g. 0/4)")
        }
        self.init(index: k, count: n)
    }
    /// True if unit number `unit` belongs to this shard.
    package func owns(_ unit: Int) -> Bool { unit % count == index }
}

/// Work and time spent on a scan (not part of the saved result).
package struct ScanTiming: Sendable, Codable, Equatable {
    /// Wall time of the whole scan, seconds.
    package var seconds: Double
    /// Wall time of the units (profiles, contours, Lagrange scans), seconds.
    package var unitSeconds: Double
    /// Constrained minimisations done for the units (grid points, refinements, ray steps).
    package var profiledPoints: Int
    /// Model evaluations (value + gradient + Hessian) for the units.
    package var modelEvaluations: Int
    /// Wall time of the MCMC runs, seconds (0: none).
    package var mcmcSeconds: Double = 0
    /// Profiled points per second of unit wall time.
    package var pointsPerSecond: Double { unitSeconds > 0 ? Double(profiledPoints) / unitSeconds : 0 }
}

/// Everything a scan computes. Encodes to JSON with MCMC summaries but without MCMC samples.
package struct ScanResult: Sendable, Encodable, Equatable {
    /// Identifies the model and options (shards of one run share it).
    package var runID: String
    /// The model's parameter names.
    package var parameterNames: [String]
    /// The model's per-experiment names.
    package var experimentNames: [String]
    /// Tolerances T² (Δχ²) errors and intervals are given for.
    package var tolerances: [Double]
    /// The global minimum.
    package var minimum: ScanMinimum
    /// Hessian errors at the minimum.
    package var hessian: HessianAnalysis
    /// All work units of the run, in order ("profile/NAME", "contour/A__B", "lagrange/qK").
    package var units: [String]
    /// 1D profiles computed, in unit order.
    package var profiles: [ProfileResult]
    /// 2D contours computed, in unit order.
    package var contours: [ContourResult]
    /// Lagrange scans computed, in unit order.
    package var lagrange: [LagrangeResult]
    /// The shard this result holds (nil: the whole run).
    package var shard: ShardSpec?
    /// Time and work (nil when read from a file or merged).
    package var timing: ScanTiming?
    /// MCMC runs computed (nil: none in this result).
    package var mcmc: ScanMCMC? = nil
    /// One line per restart of the answers from a lower minimum found by a unit, or per lower point
    /// reported and not followed (a bounded region, a shard); nil: none.
    package var notes: [String]? = nil

    /// The same result without timing (for comparisons).
    package var withoutTiming: ScanResult { var r = self; r.timing = nil; return r }
}
