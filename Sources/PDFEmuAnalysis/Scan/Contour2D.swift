import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory

/// 2D profile contours: along rays from the minimum in the plane of a pair (in coordinates scaled by
/// the pair's 2×2 covariance block), the radius where the profile over the other parameters crosses
/// each level, found by bracketing and Illinois root-finding with warm-started inner minimisation.
enum Contour2D {
    /// Computes the contour of parameters `a`, `b` at the option's levels.
    static func compute(_ ctx: ScanContext, a: Int, b: Int) -> (ContourResult, WorkCount) {
        let names = ctx.model.parameterNames
        var work = WorkCount()
        let a0 = ctx.minimum.theta[a], b0 = ctx.minimum.theta[b]
        // Scale: Cholesky factor of the 2×2 covariance block (fallback: a tenth of the training span).
        var vaa = ctx.hessian.covariance(a, a) ?? .nan, vbb = ctx.hessian.covariance(b, b) ?? .nan
        var vab = ctx.hessian.covariance(a, b) ?? 0
        if !(vaa > 0) || !(vbb > 0) || vab * vab >= vaa * vbb {
            let spa = ctx.trainingSpan(a), spb = ctx.trainingSpan(b)
            let sa = 0.1 * (spa > 0 ? max(spa, 1e-6) : max(1, abs(a0)))
            let sb = 0.1 * (spb > 0 ? max(spb, 1e-6) : max(1, abs(b0)))
            vaa = sa * sa; vbb = sb * sb; vab = 0
        }
        let l11 = vaa.squareRoot(), l21 = vab / l11, l22 = (vbb - l21 * l21).squareRoot()
        let rays = ctx.options.rays
        let levels = ctx.options.levels.sorted()
        var out = levels.map {
            ContourLevel(level: $0, a: [], b: [], deltaChi2: [], theta: [], inside: [], converged: [], open: [])
        }
        var previousRay: [BracketPoint?] = Array(repeating: nil, count: levels.count)
        for k in 0..<rays {
            let phi = 2 * Double.pi * Double(k) / Double(rays)
            let da = l11 * cos(phi), db = l21 * cos(phi) + l22 * sin(phi)
            // Largest radius allowed by bounds on a and b, and an overall cap.
            var rMax = max(20, 6 * (levels.last ?? 1).squareRoot())
            rMax = min(rMax, limit(a0, da, ctx.constraints[a]), limit(b0, db, ctx.constraints[b]))
            let evaluate = { (r: Double, warm: [Double], level: Double) -> BracketPoint in
                let r2 = ctx.profile(fixing: [(a, a0 + r * da), (b, b0 + r * db)], warm: warm)
                work.add(r2)
                return BracketPoint(x: r, g: r2.value - ctx.minimum.chi2 - level, theta: r2.theta, converged: r2.converged)
            }
            var inner = BracketPoint(x: 0, g: 0, theta: ctx.minimum.theta, converged: true)  // g: Δχ² here
            for (li, level) in levels.enumerated() {
                var lo = BracketPoint(x: inner.x, g: inner.g - level, theta: inner.theta, converged: inner.converged)
                var guess = previousRay[li].map { $0.x } ?? level.squareRoot()
                if guess <= lo.x { guess = lo.x > 0 ? lo.x * 1.3 : level.squareRoot() }
                guess = min(guess, rMax)
                let walk = OutwardWalk.walk(from: lo, first: guess, growth: 1.5, limit: rMax, maxSteps: 400,
                                            undefined: .countsAsAbove, warm: previousRay[li]?.theta ?? lo.theta) { evaluate($0, $1, level) }
                var hi = lo, open = false
                switch walk {
                case .bracket(let l, let h): (lo, hi) = (l, h)
                case .limitReached(let l), .stepsExhausted(let l), .undefined(_, let l): lo = l; open = true
                }
                var point: BracketPoint
                var ok: Bool
                if open {
                    point = lo; ok = false
                } else {
                    (point, ok) = ProfileRoot.illinois(lo: lo, hi: hi, tolerance: ScanContext.crossingTolerance(level),
                                                       evaluate: { evaluate($0, $1, level) })
                    if !ok { point = BracketPoint(x: ProfileRoot.linear(lo, hi), g: 0, theta: point.theta, converged: false) }
                }
                let l = out[li]
                out[li].a = l.a + [a0 + point.x * da]
                out[li].b = l.b + [b0 + point.x * db]
                out[li].deltaChi2 = l.deltaChi2 + [point.g + level]
                out[li].theta = l.theta + [point.theta]
                out[li].inside = l.inside + [ctx.model.isInsideTrainingRegion(point.theta)]
                out[li].converged = l.converged + [ok]
                out[li].open = l.open + [open]
                previousRay[li] = point
                inner = BracketPoint(x: point.x, g: point.g + level, theta: point.theta, converged: point.converged)
                if open { inner.g = min(inner.g, level) }
            }
        }
        var warnings: [String] = []
        let pair = "\(names[a]),\(names[b])"
        for l in out {
            let lv = Fmt.num(l.level, width: 0, digits: 4)
            let nOpen = l.open.filter { $0 }.count
            if nOpen > 0 { warnings.append("contour \(pair) at Δχ² = \(lv): \(nOpen) of \(rays) rays never reach the level (open)") }
            let nOut = l.inside.filter { !$0 }.count
            if nOut > 0 { warnings.append("contour \(pair) at Δχ² = \(lv): \(nOut) of \(rays) vertices outside the training domain") }
            let nFail = zip(l.converged, l.open).filter { !$0 && !$1 }.count
            if nFail > 0 { warnings.append("contour \(pair) at Δχ² = \(lv): crossing not located precisely on \(nFail) rays") }
        }
        return (ContourResult(a: names[a], b: names[b], levels: out, warnings: warnings), work)
    }

    /// Radius at which x0 + r·d leaves the constraint's range (∞ if never).
    private static func limit(_ x0: Double, _ d: Double, _ c: ParameterConstraint) -> Double {
        if d > 0, c.upper.isFinite { return max(0, (c.upper - x0) / d) }
        if d < 0, c.lower.isFinite { return max(0, (c.lower - x0) / d) }
        return .infinity
    }
}
