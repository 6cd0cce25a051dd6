import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory
/// One point of a one-dimensional scan walked outward from the minimum (a profile grid point, or a
/// Lagrange-scan point): where it is on the scan line, what is reported there, and the domain flag.
struct ScanLinePoint {
    /// Position on the scan line (the profiled parameter, or λ) with g = Δχ² − level and the profiled θ.
    var bracket: BracketPoint
    /// The value an interval end reports (the profiled parameter itself, or the derived quantity q).
    var reported: Double
    /// Whether the profiled point is inside the training region.
    var inside: Bool
}

/// One end of an interval: where Δχ² crosses the level (nil: never crossed, an open side), whether the
/// profiled point there is inside the training region, and whether it was refined by root-finding.
struct IntervalEnd {
    var x: Double?
    var inside: Bool
    var refined: Bool
    static let open = IntervalEnd(x: nil, inside: false, refined: false)
}

/// The interval search shared by profiles and Lagrange scans.
enum IntervalSearch {
    /// Walks outward from `start` (the minimum, g ≤ 0) along `line` and returns the first crossing
    /// g ≤ 0 → g > 0: linearly interpolated in the reported value, then refined by root-finding on the
    /// scan line when `refine` is given (each evaluation re-minimises, warm-started from a bracket end).
    /// `report` gives the reported value at a refined point; `isInside` its domain flag.
    static func outwardCrossing(from start: ScanLinePoint, along line: [ScanLinePoint], level: Double,
                                refine: ((Double, [Double]) -> BracketPoint)?, report: (BracketPoint) -> Double,
                                isInside: ([Double]) -> Bool) -> IntervalEnd {
        var prev = start
        for cur in line {
            let (p, c) = (prev.bracket, cur.bracket)
            if p.g <= 0 && c.g > 0 {
                let linear = prev.reported + (0 - p.g) / (c.g - p.g) * (cur.reported - prev.reported)
                let fallback = IntervalEnd(x: linear, inside: prev.inside && cur.inside, refined: false)
                guard let refine else { return fallback }
                let (root, ok) = ProfileRoot.illinois(lo: p, hi: c, tolerance: ScanContext.crossingTolerance(level), evaluate: refine)
                return ok ? IntervalEnd(x: report(root), inside: isInside(root.theta), refined: true) : fallback
            }
            prev = cur
        }
        return .open
    }

    /// The interval at `level` from its two ends.
    static func interval(level: Double, lower: IntervalEnd, upper: IntervalEnd) -> ProfileInterval {
        ProfileInterval(tolerance: level, lower: lower.x, upper: upper.x, lowerInside: lower.inside, upperInside: upper.inside,
                        refined: (lower.x == nil || lower.refined) && (upper.x == nil || upper.refined))
    }
}
