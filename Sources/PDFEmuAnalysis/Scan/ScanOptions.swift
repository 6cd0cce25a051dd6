import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory
/// A closed range [lower, upper] of one parameter.
package struct ValueRange: Sendable, Codable, Equatable {
    /// Lower end.
    package var lower: Double
    /// Upper end.
    package var upper: Double
    /// Creates [lower, upper].
    package init(lower: Double, upper: Double) { self.lower = lower; self.upper = upper }
}

/// How a profile's grid is placed.
package enum ProfileGrid: String, Sendable, Codable, Equatable, CaseIterable {
    /// Evenly spaced over the user's range or best ± widen·√(max T²)·Hessian error (the default).
    case hessian
    /// From the profile itself: walk outward from the minimum (steps of √(max T²)·σ/4, lengthened
    /// while Δχ² grows too slowly to get there with the points left) until each side passes max T² plus a margin (max(1, T²/4)), then spend
    /// a third of the points bisecting the brackets of each T² crossing. A --range still bounds the walk.
    case adaptive
}

/// How each profile point's inner minimisation is started.
package enum ProfileContinuation: String, Sendable, Codable, Equatable, CaseIterable {
    /// Outward from the minimum, then inward from the far ends (the first start there the global minimum's ν),
    /// alternately until nothing changes; each point keeps the lowest χ² (the default): the profile is the
    /// lower envelope of the branches the sweeps reach.
    case twoSided = "two-sided"
    /// Outward from the minimum only, each point warm-started from its inner neighbour (as MINUIT's MINOS):
    /// the profile of the valley of the minimum, which can stay on a higher branch.
    case outward
}

/// What `ScanRunner.run` computes and how.
package struct ScanOptions: Sendable, Codable, Equatable {
    /// Parameters to profile (nil: every free parameter; empty: none).
    package var profileParameters: [String]?
    /// Tolerances T² (Δχ²) for errors and intervals, e.g. [1, 10, 100]. Each must be > 0.
    package var tolerances: [Double]
    /// Parameters held fixed, by name.
    package var fixed: [String: Double]
    /// Bounds on parameters, by name.
    package var bounds: [String: ValueRange]
    /// Profile grid ranges, by name (default: best ± widen·√(max T²)·Hessian error).
    package var ranges: [String: ValueRange]
    /// Grid points per profile (and λ values per Lagrange scan).
    package var points: Int
    /// Widen factor of the default profile grid and Lagrange λ range.
    package var widen: Double
    /// Pairs of parameters to draw 2D contours for.
    package var contours: [[String]]
    /// Δχ² levels of the contours (2.30, 6.18: 68% and 95% for two parameters).
    package var levels: [Double]
    /// Rays per contour.
    package var rays: Int
    /// Linear expressions to scan with Lagrange multipliers.
    package var lagrangeExpressions: [String]
    /// Training points used as starts for the global minimum.
    package var starts: Int
    /// Refine interval ends by root-finding with re-minimisation (else linear interpolation).
    package var refineCrossings: Bool
    /// Settings of the minimiser.
    package var minimiser: MinimiserOptions
    /// Compute only this shard's units (not part of the run id).
    package var shard: ShardSpec?
    /// MCMC sampling of exp(−χ²/(2T²)) from the minimum (nil: none); each run is one work unit.
    package var mcmc: ScanMCMCOptions?
    /// Profile grid placement (nil: `.hessian`, the evenly spaced grid; nil keeps the run id of scans
    /// made before the option existed).
    package var profileGrid: ProfileGrid? = nil
    /// Profile continuation (nil: `.twoSided`; nil keeps the run id of scans made before the option existed).
    package var profileContinuation: ProfileContinuation? = nil

    /// Creates options; the defaults profile every free parameter at T² = 1 on 41 points.
    package init(profileParameters: [String]? = nil, tolerances: [Double] = [1], fixed: [String: Double] = [:],
                bounds: [String: ValueRange] = [:], ranges: [String: ValueRange] = [:], points: Int = 41,
                widen: Double = 1.5, contours: [[String]] = [], levels: [Double] = [2.30, 6.18], rays: Int = 48,
                lagrangeExpressions: [String] = [], starts: Int = 8, refineCrossings: Bool = true,
                minimiser: MinimiserOptions = MinimiserOptions(), shard: ShardSpec? = nil, mcmc: ScanMCMCOptions? = nil) {
        self.profileParameters = profileParameters
        self.tolerances = tolerances
        self.fixed = fixed
        self.bounds = bounds
        self.ranges = ranges
        self.points = points
        self.widen = widen
        self.contours = contours
        self.levels = levels
        self.rays = rays
        self.lagrangeExpressions = lagrangeExpressions
        self.starts = starts
        self.refineCrossings = refineCrossings
        self.minimiser = minimiser
        self.shard = shard
        self.mcmc = mcmc
    }
}

extension ScanOptions {
    /// Checks the settings that do not depend on the model (T² > 0, levels > 0, counts); throws a
    /// `ScanSettingError` naming the setting.
    package func validate() throws(ScanSettingError) {
        let options = self
        guard !options.tolerances.isEmpty else { throw ScanSettingError(.tolerances, "give at least one T² > 0") }
        for t in options.tolerances where !(t > 0) || !t.isFinite {
            throw ScanSettingError(.tolerances, "T² must be > 0, got \(t)")
        }
        for l in options.levels where !(l > 0) || !l.isFinite { throw ScanSettingError(.levels, "Δχ² levels must be > 0, got \(l)") }
        guard options.points >= 2 else { throw ScanSettingError(.points, "need at least 2, got \(options.points)") }
        guard options.rays >= 3 else { throw ScanSettingError(.rays, "need at least 3, got \(options.rays)") }
        // Sizes before anything is allocated: a profile point or a ray holds a parameter vector and its
        // minimisation's work space (512 bytes assumed), per profile or contour.
        try SizeLimits.validate(.points, options.points, cap: 1_000_000, bytesEach: 512, what: "points")
        try SizeLimits.validate(.rays, options.rays, cap: 1_000_000, bytesEach: 512, what: "rays")
        guard options.widen > 0 else { throw ScanSettingError(.widen, "widen factor must be > 0, got \(options.widen)") }
        guard options.starts >= 1 else { throw ScanSettingError(.starts, "need at least 1, got \(options.starts)") }
        try options.mcmc?.validate()
    }
}

/// A second model to scan with Lagrange multipliers, with a label and an identity for the run id.
package struct LagrangeModel: Sendable {
    /// Name shown in outputs (e.g. the file name).
    package var label: String
    /// The model; its parameter names must equal the χ² model's.
    package var model: any ScalarModel
    /// Identity for the run id (e.g. a hash of the file's bytes).
    package var identity: String
    /// Creates a labelled model.
    package init(label: String, model: any ScalarModel, identity: String) {
        self.label = label; self.model = model; self.identity = identity
    }
}
