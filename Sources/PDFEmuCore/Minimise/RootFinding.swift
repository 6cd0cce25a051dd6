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
