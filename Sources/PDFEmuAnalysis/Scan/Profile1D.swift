import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory
/// 1D profile likelihoods: at each grid value of one parameter, χ² minimised over all others,
/// warm-started outward from the minimum; intervals where Δχ² ≤ T², with refined crossings.
enum Profile1D {
    /// The grid for parameter `a`: the user's range, or best ± widen·√(max T²)·σ_a (clipped to bounds).
    static func grid(_ ctx: ScanContext, parameter a: Int) -> [Double] {
        let name = ctx.model.parameterNames[a]
        let n = ctx.options.points
        var lo: Double, hi: Double
        if let r = ctx.options.ranges[name] {
            lo = r.lower; hi = r.upper
        } else {
            let best = ctx.minimum.theta[a]
            let tmax = (ctx.options.tolerances.max() ?? 1).squareRoot()
            var half: Double
            if let s = ctx.hessian.sigma(ofParameter: a) {
                half = ctx.options.widen * tmax * s
            } else {
                let span = ctx.trainingSpan(a)
                half = ctx.options.widen * 0.25 * (span > 0 ? span : max(1, abs(best)))
            }
            if !(half > 0) { half = 1e-6 * max(1, abs(best)) }
            lo = best - half; hi = best + half
            lo = max(lo, ctx.constraints[a].lower)
            hi = min(hi, ctx.constraints[a].upper)
        }
        return (0..<n).map { lo + (hi - lo) * Double($0) / Double(n - 1) }
    }

    /// The adaptive grid (`ProfileGrid.adaptive`): profiled points found by walking outward from the
    /// minimum on each side (steps of √(max T²)·σ/4, lengthened when Δχ² grows too slowly to pass the
    /// target with the steps left), then bisecting the brackets of each T² crossing; sorted ascending.
    static func adaptive(_ ctx: ScanContext, parameter a: Int, work: inout WorkCount) -> [(x: Double, r: MinimiserResult)] {
        let name = ctx.model.parameterNames[a]
        let best = ctx.minimum.theta[a], chi2min = ctx.minimum.chi2
        let levels = ctx.options.tolerances.sorted()
        let tmax = levels.last ?? 1
        let target = tmax + max(1, 0.25 * tmax)
        let span = ctx.trainingSpan(a)
        let sigma = ctx.hessian.sigma(ofParameter: a) ?? 0.1 * (span > 0 ? span : max(1, abs(best)))
        let lo = ctx.options.ranges[name]?.lower ?? ctx.constraints[a].lower
        let hi = ctx.options.ranges[name]?.upper ?? ctx.constraints[a].upper
        let perSide = max(2, (ctx.options.points - 1) / 2)
        let dense = perSide / 3
        var all: [(x: Double, r: MinimiserResult)] = []
        for sign in [1.0, -1.0] {
            var side: [(x: Double, r: MinimiserResult)] = []
            var h = sigma * tmax.squareRoot() / 4
            var x = best, warm = ctx.minimum.theta
            while side.count < perSide - dense {
                let next = min(hi, max(lo, x + sign * h))
                if next == x { break }
                x = next
                let r = ctx.profile(fixing: [(a, x)], warm: warm)
                work.add(r)
                side.append((x, r))
                let d = r.value - chi2min
                if r.value.isFinite { warm = r.theta }
                if !(d <= target) { break }           // passed the largest T² with the margin (or undefined)
                // Too slow to pass the target with the steps left (Δχ² taken ∝ distance²): lengthen the step.
                let far = abs(x - best), left = perSide - dense - side.count
                let needed = far * (target / max(d, 1e-3)).squareRoot() - far
                if left > 1 && needed > h * Double(left - 1) { h = min(4 * h, needed / Double(left - 1)) }
            }
            // Bisect the bracket of each crossing, levels in turn, until the points are spent.
            var added = 0, progress = true
            while added < dense && progress {
                progress = false
                for t2 in levels where added < dense {
                    var prev: (x: Double, d: Double, theta: [Double]) = (best, 0, ctx.minimum.theta)
                    let ordered = side.sorted { abs($0.x - best) < abs($1.x - best) }
                    for p in ordered {
                        let d = p.r.value - chi2min
                        if prev.d <= t2 && d > t2 {
                            let mid = 0.5 * (prev.x + p.x)
                            let r = ctx.profile(fixing: [(a, mid)], warm: prev.theta)
                            work.add(r)
                            side.append((mid, r)); added += 1; progress = true
                            break
                        }
                        prev = (p.x, d.isFinite ? d : .infinity, p.r.theta)
                    }
                }
            }
            all += side
        }
        return all.sorted { $0.x < $1.x }
    }

    /// Computes the profile of parameter `a`.
    static func compute(_ ctx: ScanContext, parameter a: Int) -> (ProfileResult, WorkCount) {
        var work = WorkCount()
        let walked = ctx.options.profileGrid == .adaptive ? adaptive(ctx, parameter: a, work: &work) : []
        let values = ctx.options.profileGrid == .adaptive ? walked.map(\.x) : grid(ctx, parameter: a)
        let k = values.count
        let best = ctx.minimum.theta[a]
        let chi2min = ctx.minimum.chi2
        var delta = [Double](repeating: .nan, count: k)
        var thetas = [[Double]](repeating: [], count: k)
        var per = [[Double]](repeating: [], count: k)
        var spread = [Double](repeating: .nan, count: k)
        var inside = [Bool](repeating: false, count: k)
        var conv = [Bool](repeating: false, count: k)
        let up = (0..<k).filter { values[$0] >= best }
        let down = (0..<k).filter { values[$0] < best }.reversed()
        func store(_ i: Int, _ r: MinimiserResult) {
            delta[i] = r.value - chi2min
            thetas[i] = r.theta
            conv[i] = r.converged
            let d = ctx.describe(r.theta)
            per[i] = d.perExperiment; spread[i] = d.spread; inside[i] = d.inside
        }
        if !walked.isEmpty {
            for (i, w) in walked.enumerated() { store(i, w.r) }
        } else {
            for chain in [Array(up), Array(down)] {
                var warm = ctx.minimum.theta
                for i in chain {
                    let r = ctx.profile(fixing: [(a, values[i])], warm: warm)
                    work.add(r)
                    store(i, r)
                    if r.value.isFinite { warm = r.theta }
                }
            }
        }
        // Intervals at each tolerance, one side at a time, walking outward from the minimum.
        var intervals: [ProfileInterval] = []
        let minInside = ctx.minimum.domain?.inside ?? true
        for t2 in ctx.options.tolerances {
            let start = ScanLinePoint(bracket: BracketPoint(x: best, g: -t2, theta: ctx.minimum.theta, converged: true),
                                      reported: best, inside: minInside)
            var w = WorkCount()
            let refine: ((Double, [Double]) -> BracketPoint)? = !ctx.options.refineCrossings ? nil : { x, warm in
                let r = ctx.profile(fixing: [(a, x)], warm: warm)
                w.add(r)
                return BracketPoint(x: x, g: r.value - chi2min - t2, theta: r.theta, converged: r.converged)
            }
            let ends = [up, Array(down)].map { chain in
                IntervalSearch.outwardCrossing(
                    from: start, along: chain.map {
                        ScanLinePoint(bracket: BracketPoint(x: values[$0], g: delta[$0] - t2, theta: thetas[$0], converged: conv[$0]),
                                      reported: values[$0], inside: inside[$0])
                    }, level: t2, refine: refine, report: { $0.x }, isInside: ctx.model.isInsideTrainingRegion)
            }
            work.add(w)
            intervals.append(IntervalSearch.interval(level: t2, lower: ends[1], upper: ends[0]))
        }
        let name = ctx.model.parameterNames[a]
        var warnings: [String] = []
        let outside = (0..<k).filter { !inside[$0] }
        if !outside.isEmpty {
            warnings.append("profile \(name): \(outside.count) of \(k) profiled points outside the training domain "
                            + "(\(name) = " + outside.map { Fmt.num(values[$0], width: 0, digits: 5) }.joined(separator: ", ") + ")")
        }
        let failed = (0..<k).filter { !conv[$0] }
        if !failed.isEmpty {
            warnings.append("profile \(name): inner minimisation did not converge at \(failed.count) of \(k) points")
        }
        if let lowest = delta.indices.min(by: { delta[$0] < delta[$1] }), delta[lowest] < -1e-3 {
            warnings.append("profile \(name): Δχ² = \(Fmt.fixed(delta[lowest], 3)) at \(name) = "
                            + "\(Fmt.num(values[lowest], width: 0, digits: 6)): a lower minimum than the global one was found")
        }
        return (ProfileResult(parameter: name, index: a, best: best, values: values, deltaChi2: delta, theta: thetas,
                              perExperiment: per, spread: spread, inside: inside, converged: conv,
                              intervals: intervals, warnings: warnings), work)
    }
}
