import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory
/// The first crossing of a function from ≤ 0 to > 0 walking outward along a ray t > 0: a geometric walk
/// (steps ×1.5 from `start`, never past `limit`), then Illinois root finding on the bracket.
package enum RayCrossing {
    /// Result of one walk.
    package struct Outcome {
        /// Where g = 0 (within the tolerance); nil if g stayed ≤ 0 up to the limit or became undefined.
        package var t: Double?
        /// g at `t` (or at the last point reached).
        package var g: Double
        /// Function evaluations.
        package var evaluations: Int
        /// Why no crossing was found (nil when found).
        package var openReason: String?
    }

    /// Walks from t = 0 (where g = `g0` ≤ 0) outward and returns the first crossing of g = 0 with
    /// |g| ≤ `tolerance`. `limit` is the end of the allowed range along the ray (may be ∞; then the
    /// walk stops after `maxSteps` steps).
    package static func first(g0: Double, start: Double, limit: Double, tolerance: Double, maxSteps: Int = 60,
                      g: (Double) -> Double) -> Outcome {
        var evaluations = 0
        func eval(_ t: Double) -> BracketPoint {
            evaluations += 1
            return BracketPoint(x: t, g: g(t), theta: [], converged: true)
        }
        let outcome = OutwardWalk.walk(from: BracketPoint(x: 0, g: g0, theta: [], converged: true), first: start, growth: 1.5,
                                       limit: limit, maxSteps: maxSteps, undefined: .stops) { t, _ in eval(t) }
        switch outcome {
        case .bracket(let lo, let hi):
            let (root, _) = ProfileRoot.illinois(lo: lo, hi: hi, tolerance: tolerance, maxIterations: 80, evaluate: { x, _ in eval(x) })
            guard abs(root.g) <= tolerance else {
                return Outcome(t: nil, g: root.g, evaluations: evaluations, openReason: "root finding did not reach the tolerance")
            }
            return Outcome(t: root.x, g: root.g, evaluations: evaluations, openReason: nil)
        case .undefined(let at, _):
            return Outcome(t: nil, g: at.g, evaluations: evaluations,
                           openReason: "the function is undefined at distance \(Fmt.num(at.x, width: 0, digits: 4)) before reaching the level")
        case .limitReached(let lo):
            return Outcome(t: nil, g: lo.g, evaluations: evaluations,
                           openReason: "the level is not reached inside the allowed range (bounds ∩ training box), which ends at distance \(Fmt.num(limit, width: 0, digits: 4))")
        case .stepsExhausted(let lo):
            return Outcome(t: nil, g: lo.g, evaluations: evaluations,
                           openReason: "the level is not reached within distance \(Fmt.num(lo.x, width: 0, digits: 4)) (search limit)")
        }
    }

    /// The largest t ≥ 0 with lower ≤ centre + t·direction ≤ upper componentwise (∞ if unlimited).
    package static func limit(centre: [Double], direction: [Double], lower: [Double], upper: [Double]) -> Double {
        var t = Double.infinity
        for i in centre.indices where direction[i] != 0 {
            let bound = direction[i] > 0 ? upper[i] : lower[i]
            if bound.isFinite { t = min(t, max(0, (bound - centre[i]) / direction[i])) }
        }
        return t
    }
}
