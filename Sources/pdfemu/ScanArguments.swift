import ArgumentParser
import Foundation
import PDFEmu

/// The answers a scan computes: the flags `scan`, `propose` and `learn` share.
struct ScanArguments: ParsableArguments {
    @Option(help: "Parameters to profile: comma-separated names, 'all' or 'none'.") var params = "all"
    @Option(parsing: .unconditional, help: "Tolerances T² (Δχ²) for errors and intervals, comma-separated (e.g. 1,10,100; sorted ascending, each at most 1e8, none twice).") var tolerance = "1"
    @Option(parsing: .unconditional, help: "Bound parameters: name=lo:hi,...") var bound: String?
    @Option(parsing: .unconditional, help: "Profile grid ranges: name=lo:hi,... (default: best ± 1.5·√(max T²)·Hessian error).") var range: String?
    @Option(help: "Grid points per profile (and λ values per Lagrange scan).") var points = 41
    @Option(help: "Draw a 2D contour of the pair a,b (repeatable).") var contour: [String] = []
    @Option(parsing: .unconditional, help: "Δχ² levels of the contours, comma-separated (sorted ascending, none twice).") var levels = "2.30,6.18"
    @Option(help: "Rays per contour.") var rays = 48
    @Option(parsing: .unconditionalSingleValue, help: "Lagrange scan of a linear expression, e.g. \"0.5*Buv - Bdv + 2\" or \"-Bg\" (repeatable).") var lagrange: [String] = []
    @Option(help: "Training points used as starts for the global minimum.") var starts = 8
    @Flag(help: "Interval ends by linear interpolation only (no root-finding refinement).") var noRefine = false
    @Option(help: "Profile grid: hessian (evenly spaced over best ± 1.5·√(max T²)·σ) or adaptive (walk until the profile passes max T², then densify at the crossings).") var profileGrid = ProfileGrid.hessian
    @Option(help: "Profile continuation: two-sided (outward from the minimum, then inward from the far ends; each point keeps the lower χ²) or outward (from the minimum only, as MINOS: the valley of the minimum).") var profileContinuation = ProfileContinuation.twoSided

    /// The scan options with the parameters `fixed` (one error line naming the flag). --fix is not
    /// among these flags: the command's `FixArguments` or model source gives `fixed`.
    func options(fixed: [String: Double]) throws -> ScanOptions {
        var o = ScanOptions()
        o.fixed = fixed
        o.profileParameters = try ScanOptionParsing.parameterList(params)
        o.tolerances = try Scan.levelList(tolerance, option: "--tolerance")
        if let bound { o.bounds = try ScanOptionParsing.ranges(bound, option: "--bound") }
        if let range { o.ranges = try ScanOptionParsing.ranges(range, option: "--range") }
        o.points = points
        o.contours = try contour.map { try ScanOptionParsing.pair($0, option: "--contour") }
        o.levels = try Scan.levelList(levels, option: "--levels")
        o.rays = rays
        o.lagrangeExpressions = lagrange
        o.starts = starts
        o.refineCrossings = !noRefine
        o.profileGrid = profileGrid == .hessian ? nil : profileGrid
        o.profileContinuation = profileContinuation == .twoSided ? nil : profileContinuation
        return o
    }
}

/// The mix of `propose` and `learn`'s proposals.
struct ProposalArguments: ParsableArguments {
    @Option(help: "Δχ² margin above the largest T² of the disagreement region and exploration surface.") var margin = 2.0
    @Option(help: "Fraction of points on the answers' paths (profile/Lagrange crossings, contour vertices).") var answerFraction = 0.5
    @Option(help: "Fraction of points where the ensemble members disagree most (the rest explores the edge).") var disagreementFraction = 0.3
    @Option(help: "Smallest whitened distance of a proposed point to any other proposed or training point.") var minDistance = 0.05

    /// The options for `count` points from `seed`.
    func options(count: Int, seed: UInt64) throws -> ProposalOptions {
        let o = ProposalOptions(count: count, seed: seed, margin: margin, answerFraction: answerFraction,
                                disagreementFraction: disagreementFraction, minDistance: minDistance)
        try o.validate()
        return o
    }
}

extension ProfileGrid: ExpressibleByArgument {}
extension ProfileContinuation: ExpressibleByArgument {}
extension ScanLayout: ExpressibleByArgument {}
extension GaussianEquivalent: ExpressibleByArgument {}
