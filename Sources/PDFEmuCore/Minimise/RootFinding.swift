/// One evaluated point of a one-dimensional scan: position x, g(x) = Δχ²(x) − level, and the
/// profiled parameters there (used to warm-start the next inner minimisation).
package struct BracketPoint {
    package var x: Double
    package var g: Double
    package var theta: [Double]
    package var converged: Bool

    /// Creates the value from its stored properties.
    package init(x: Double, g: Double, theta: [Double], converged: Bool) {
        self.x = x
        self.g = g
        self.theta = theta
        self.converged = converged
    }
}

/// Root finding on a profile by the Illinois (modified regula falsi) method: every evaluation is a
/// re-minimisation, warm-started from the bracket end nearer to the new point.
package enum ProfileRoot {
    /// Refines the crossing g = 0 between `lo` (g ≤ 0) and `hi` (g > 0). Returns the final point
    /// (the better bracket end if iterations ran out) and whether every inner minimisation converged
    /// and |g| reached `tolerance`.
    package static func illinois(lo: BracketPoint, hi: BracketPoint, tolerance: Double, maxIterations: Int = 12,
                         evaluate: (Double, [Double]) -> BracketPoint) -> (point: BracketPoint, ok: Bool) {
        var a = lo, b = hi
        var side = 0
        var ga = a.g, gb = b.g  // possibly halved values (Illinois)
        var allConverged = true
        var best = abs(a.g) < abs(b.g) ? a : b
        for _ in 0..<maxIterations {
            let denom = gb - ga
            var x = denom != 0 ? (a.x * gb - b.x * ga) / denom : 0.5 * (a.x + b.x)
            let lower = min(a.x, b.x), upper = max(a.x, b.x)
            if !(x > lower && x < upper) { x = 0.5 * (a.x + b.x) }
            let warm = abs(x - a.x) <= abs(x - b.x) ? a.theta : b.theta
            let c = evaluate(x, warm)
            if !c.converged { allConverged = false }
            if abs(c.g) < abs(best.g) { best = c }
            if abs(c.g) <= tolerance { return (c, allConverged) }
            if c.g <= 0 {
                a = c; ga = c.g
                if side == -1 { gb *= 0.5 }
                side = -1
            } else {
                b = c; gb = c.g
                if side == 1 { ga *= 0.5 }
                side = 1
            }
            if abs(b.x - a.x) <= 1e-12 * max(1, abs(a.x)) { break }
        }
        return (best, allConverged && abs(best.g) <= tolerance)
    }

    /// Linear interpolation of the crossing g = 0 between two points.
    package static func linear(_ p: BracketPoint, _ q: BracketPoint) -> Double {
        if q.g == p.g { return 0.5 * (p.x + q.x) }
        return p.x + (0 - p.g) / (q.g - p.g) * (q.x - p.x)
    }
}

/// What an undefined (non-finite) value of g means to a walk.
package enum UndefinedRule: Sendable {
    /// The walk ends there, open: nothing past an undefined point is trusted (rays of eigenvector sets).
    case stops
    /// The point counts as past the level (g > 0): the crossing lies before it (contours, designs).
    case countsAsAbove
}

/// "Walk outward, then find the root": the one walk that profiles' contours, eigenvector rays and
/// designs share. From `start` (g ≤ 0) it evaluates at `first`, then at positions multiplied by
/// `growth`, never past `limit`, until g > 0 — a bracket for `ProfileRoot`.
package enum OutwardWalk {
    /// How a walk ended.
    package enum Outcome {
        /// g crossed the level between `lo` (g ≤ 0) and `hi` (g > 0, or undefined under `.countsAsAbove`).
        case bracket(lo: BracketPoint, hi: BracketPoint)
        /// g became undefined at `at` (rule `.stops`); `lo` is the last point at or below the level.
        case undefined(at: BracketPoint, lo: BracketPoint)
        /// The walk reached `limit` with g still ≤ 0 there (`lo`).
        case limitReached(lo: BracketPoint)
        /// `maxSteps` evaluations without a crossing; `lo` is the last point.
        case stepsExhausted(lo: BracketPoint)
    }

    /// Walks from `start` outward: evaluates at min(`first`, `limit`) (warm-started from `warm`, or
    /// `start.theta`), then at min(x·`growth`, `limit`) warm-started from the last point, at most
    /// `maxSteps` evaluations. `limit` may be ∞.
    package static func walk(from start: BracketPoint, first: Double, growth: Double, limit: Double, maxSteps: Int,
                             undefined: UndefinedRule, warm: [Double]? = nil,
                             evaluate: (Double, [Double]) -> BracketPoint) -> Outcome {
        precondition(growth > 1 && maxSteps >= 1, "walk: growth must be > 1 and maxSteps ≥ 1")
        var lo = start
        var x = min(first, limit)
        var w = warm ?? start.theta
        for _ in 0..<maxSteps {
            let c = evaluate(x, w)
            if !c.g.isFinite {
                switch undefined {
                case .stops: return .undefined(at: c, lo: lo)
                case .countsAsAbove: return .bracket(lo: lo, hi: c)
                }
            }
            if c.g > 0 { return .bracket(lo: lo, hi: c) }
            lo = c
            if x >= limit { return .limitReached(lo: lo) }
            x = min(x * growth, limit)
            w = c.theta
        }
        return .stepsExhausted(lo: lo)
    }
}

extension ProfileRoot {
    /// Bisection of the crossing between `lo` (g ≤ 0) and `hi` (g > 0 or undefined: undefined counts as
    /// above) until |g| ≤ `tolerance`; at most `maxIterations` halvings, stopping when the bracket is
    /// below 1e-15 relative. Returns the point found, or nil.
    package static func bisect(lo: Double, hi: Double, tolerance: Double, maxIterations: Int = 200,
                               g: (Double) -> Double) -> Double? {
        var lo = lo, hi = hi
        for _ in 0..<maxIterations {
            let mid = 0.5 * (lo + hi)
            let gm = g(mid)
            if gm.isFinite && abs(gm) <= tolerance { return mid }
            if gm.isFinite && gm < 0 { lo = mid } else { hi = mid }
            if hi - lo <= 1e-15 * hi { break }
        }
        let gl = g(lo)
        return gl.isFinite && abs(gl) <= tolerance ? lo : nil
    }
}
