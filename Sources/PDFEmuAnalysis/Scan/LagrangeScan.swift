import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory
/// Lagrange-multiplier scans: for a range of λ, minimise χ²(θ) + λ·q(θ) (warm-started outward from
/// λ = 0), giving the lowest χ² at each reached value of q; intervals of q where Δχ² ≤ T².
enum LagrangeScan {
    /// The name of Lagrange scan number k ("qK").
    static func name(_ k: Int) -> String { "q\(k)" }

    /// The point of the Lagrange path at multiplier `lambda`: the minimum of χ²(θ) + λ·q(θ) under the
    /// scan's constraints, started from `warm`. The EDM tolerance is tightened to 1e-12 so that χ² itself
    /// (not only the minimised χ² + λq) follows small changes of λ. Shared by the scan and the L2
    /// sensitivities.
    static func minimise(_ ctx: ScanContext, quantity: DerivedQuantity, lambda: Double, from warm: [Double]) -> MinimiserResult {
        let model = ctx.model, p = model.parameterNames.count
        var mo = ctx.minimiser.options
        mo.edmTolerance = min(mo.edmTolerance, 1e-12)
        let m = Minimiser(dimension: p, options: mo) { theta in
            let (f, g, h) = model.valueGradientHessian(at: theta)
            if lambda == 0 { return (f, g, h) }
            let (qv, qg, qh) = quantity.valueGradientHessian(at: theta)
            var g2 = g, h2 = h
            for i in 0..<p { g2[i] += lambda * qg[i] }
            for i in 0..<(p * p) { h2[i] += lambda * qh[i] }
            return (f + lambda * qv, g2, h2)
        }
        return m.minimise(from: warm, constraints: ctx.constraints)
    }

    /// The Hessian error σ_q = √(∇qᵀ V ∇q) of `quantity` at the minimum (V the covariance over the free
    /// parameters, Δχ² = 1), with q₀ and ∇q there; σ is NaN when it does not exist.
    static func hessianError(_ ctx: ScanContext, quantity: DerivedQuantity) -> (q0: Double, sigma: Double) {
        let (q0, gq, _) = quantity.valueGradientHessian(at: ctx.minimum.theta)
        let idx = ctx.hessian.indices
        let s2 = Matrix(square: ctx.hessian.covariance, n: idx.count).quadraticForm(idx.map { gq[$0] })
        return (q0, s2 > 0 ? s2.squareRoot() : .nan)
    }

    /// Scans `quantity`, labelled `name`.
    static func compute(_ ctx: ScanContext, quantity: DerivedQuantity, name: String) -> (LagrangeResult, WorkCount) {
        let theta0 = ctx.minimum.theta
        let chi2min = ctx.minimum.chi2
        var work = WorkCount()
        let (q0, sigma) = hessianError(ctx, quantity: quantity)
        var result = LagrangeResult(name: name, definition: quantity.definition, best: q0, sigma: sigma, lambda: [],
                                    q: [], deltaChi2: [], theta: [], inside: [], converged: [], intervals: [], warnings: [])
        guard sigma.isFinite, sigma > 0 else {
            result.warnings.append("lagrange \(name) (\(quantity.definition)): q has no Hessian error at the minimum "
                                   + "(Hessian not positive definite, or q does not depend on the free parameters); not scanned")
            return (result, work)
        }
        let tmax = (ctx.options.tolerances.max() ?? 1).squareRoot()
        let lambdaMax = 2 * ctx.options.widen * tmax / sigma
        let k = ctx.options.points
        let lambdas = (0..<k).map { lambdaMax * (2 * Double($0) / Double(k - 1) - 1) }
        let minimise = { (lambda: Double, warm: [Double]) -> MinimiserResult in
            Self.minimise(ctx, quantity: quantity, lambda: lambda, from: warm)
        }
        // Each side walks outward from λ = 0 over the grid, then extends |λ| by ×1.5 (at most 40 more
        // points) until Δχ² passes the largest tolerance: non-quadratic walls need larger |λ|.
        let t2max = ctx.options.tolerances.max() ?? 1
        struct Point { var lambda: Double; var r: MinimiserResult; var q: Double; var delta: Double; var inside: Bool }
        var sides: [[Point]] = []
        for positive in [true, false] {
            var grid = lambdas.filter { positive ? $0 >= 0 : $0 < 0 }
            if !positive { grid.reverse() }
            var pts: [Point] = []
            var warm = theta0
            var i = 0, extra = 0
            while true {
                let l: Double
                if i < grid.count { l = grid[i] } else {
                    guard let last = pts.last, last.delta <= t2max, last.lambda != 0, extra < 40 else { break }
                    l = last.lambda * 1.5; extra += 1
                }
                i += 1
                let r = minimise(l, warm)
                work.add(r)
                let chi2 = ctx.model.value(at: r.theta)
                ctx.noteLower(chi2: chi2, theta: r.theta, source: "the Lagrange scan \(name) at λ = \(Fmt.num(l, width: 0, digits: 4))")
                pts.append(Point(lambda: l, r: r, q: quantity.value(at: r.theta), delta: chi2 - chi2min,
                                 inside: ctx.model.isInsideTrainingRegion(r.theta)))
                if r.value.isFinite { warm = r.theta }
            }
            sides.append(pts)
        }
        let all = (sides[1].reversed() + sides[0])
        let lambdasOut = all.map { $0.lambda }
        let qs = all.map { $0.q }, delta = all.map { $0.delta }, thetas = all.map { $0.r.theta }
        let inside = all.map { $0.inside }, conv = all.map { $0.r.converged }
        let nNeg = sides[1].count
        let pos = Array(nNeg..<all.count)
        let neg = Array((0..<nNeg).reversed())
        // Intervals: λ > 0 lowers q (lower end), λ < 0 raises it (upper end).
        let minInside = ctx.minimum.domain?.inside ?? true
        for t2 in ctx.options.tolerances {
            let start = ScanLinePoint(bracket: BracketPoint(x: 0, g: -t2, theta: theta0, converged: true), reported: q0, inside: minInside)
            var w = WorkCount()
            let refine: ((Double, [Double]) -> BracketPoint)? = !ctx.options.refineCrossings ? nil : { l, warm in
                let r = minimise(l, warm)
                w.add(r)
                let chi2 = ctx.model.value(at: r.theta)
                ctx.noteLower(chi2: chi2, theta: r.theta, source: "the Lagrange scan \(name) at λ = \(Fmt.num(l, width: 0, digits: 4))")
                return BracketPoint(x: l, g: chi2 - chi2min - t2, theta: r.theta, converged: r.converged)
            }
            let ends = [pos, neg].map { chain in
                IntervalSearch.outwardCrossing(
                    from: start, along: chain.filter { lambdasOut[$0] != 0 }.map {
                        ScanLinePoint(bracket: BracketPoint(x: lambdasOut[$0], g: delta[$0] - t2, theta: thetas[$0], converged: conv[$0]),
                                      reported: qs[$0], inside: inside[$0])
                    }, level: t2, refine: refine, report: { quantity.value(at: $0.theta) }, isInside: ctx.model.isInsideTrainingRegion)
            }
            work.add(w)
            result.intervals.append(IntervalSearch.interval(level: t2, lower: ends[0], upper: ends[1]))
        }
        result.lambda = lambdasOut; result.q = qs; result.deltaChi2 = delta; result.theta = thetas
        result.inside = inside; result.converged = conv
        let nOut = inside.filter { !$0 }.count
        if nOut > 0 { result.warnings.append("lagrange \(name): \(nOut) of \(all.count) points outside the training domain") }
        let nFail = conv.filter { !$0 }.count
        if nFail > 0 { result.warnings.append("lagrange \(name): minimisation did not converge at \(nFail) of \(all.count) points") }
        return (result, work)
    }
}
