import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory
/// 1D profile likelihoods: at each grid value of one parameter, χ² minimised over all others by
/// two-sided continuation (warm-started outward from the minimum, then inward from the far ends, keeping
/// the lower χ² at each point); intervals where Δχ² ≤ T², with refined crossings; jumps of the profile
/// (ν or χ²) reported.
enum Profile1D {
    /// χ² units by which a later continuation pass must lower a point for the passes to be reported as
    /// disagreeing there.
    static let passDisagreement = 0.01
    /// χ² units by which a later pass must lower a point to replace it (below: the same branch).
    static let replaceTolerance = 1e-4
    /// Most continuation sweeps per side (outward, inward, outward, …); sweeps after the second run only
    /// while the previous one changed a point.
    static let maxSweeps = 4
    /// A move of the nuisance parameters between neighbouring profile points larger than this (in Hessian
    /// σ of each parameter), than `jumpRatio` times the step of the profiled parameter (in its σ), and at a
    /// rate (move per step) `jumpRatio` times the median rate of the six steps around it is a jump.
    static let jumpSigma = 2.0
    /// See `jumpSigma`.
    static let jumpRatio = 3.0
    /// A profile bending down more strongly than this many times the Hessian parabola's curvature 2/σ², and
    /// `jumpRatio` times more sharply than the median of the six points around it, has a kink.
    static let kinkCurvature = 2.0

    /// Two-sided continuation over the profile points `xs` (ascending) of parameter `a`: on each side of
    /// the minimum, sweeps warm-started from the neighbour's optimum, outward from the global minimum and
    /// inward from the far end (whose first start is the global minimum's ν), alternately until a sweep
    /// changes nothing (at most `maxSweeps`; the first sweep only with `ProfileContinuation.outward`); each
    /// point keeps the lowest χ² found. `outward` gives results
    /// of the first outward sweep already done (warm-started by the same rule). Returns the kept results
    /// and the points a later pass lowered by more than `passDisagreement` (x, χ² drop).
    static func continuation(_ ctx: ScanContext, parameter a: Int, values xs: [Double], outward: [MinimiserResult]?,
                             work: inout WorkCount) -> (results: [MinimiserResult], lowered: [(x: Double, drop: Double)]) {
        let n = xs.count, best = ctx.minimum.theta[a], home = ctx.minimum.theta
        var kept: [MinimiserResult?] = outward ?? [MinimiserResult?](repeating: nil, count: n)
        var lastWarm = [[[Double]?]](repeating: [[Double]?](repeating: nil, count: n), count: 2)
        var lowered: [Int: Double] = [:]
        let chains = [Array((0..<n).filter { xs[$0] >= best }), Array((0..<n).filter { xs[$0] < best }.reversed())]
        if outward != nil {
            // Replay the first sweep's warm starts so that it is not repeated.
            for chain in chains {
                var warm = home
                for i in chain {
                    lastWarm[0][i] = warm
                    if let k = kept[i], k.value.isFinite { warm = k.theta }
                }
            }
        }
        let sweeps = ctx.options.profileContinuation == .outward ? 1 : maxSweeps
        for chain in chains where !chain.isEmpty {
            var sweep = 0, changed = true
            while sweep < min(2, sweeps) || (changed && sweep < sweeps) {
                let dir = sweep % 2
                changed = false
                var warm = home
                for i in dir == 0 ? chain : chain.reversed() {
                    if lastWarm[dir][i] != warm {
                        lastWarm[dir][i] = warm
                        let r = ctx.profile(fixing: [(a, xs[i])], warm: warm)
                        work.add(r)
                        if let old = kept[i] {
                            if r.value.isFinite && (!old.value.isFinite || r.value < old.value - replaceTolerance) {
                                let drop = old.value.isFinite ? old.value - r.value : .infinity
                                if drop > passDisagreement { lowered[i] = max(lowered[i] ?? 0, drop) }
                                kept[i] = r
                                changed = true
                            }
                        } else {
                            kept[i] = r
                            changed = true
                        }
                    }
                    if let k = kept[i], k.value.isFinite { warm = k.theta }
                }
                sweep += 1
            }
        }
        return (kept.map { $0! }, lowered.keys.sorted().map { (xs[$0], lowered[$0]!) })
    }

    /// One line per stretch of points where a later continuation pass found a lower branch, per jump of
    /// the nuisance parameters between neighbouring points, and per kink (the profile bending down
    /// sharply); at most three lines of each kind, then a count.
    static func continuityReport(_ ctx: ScanContext, parameter a: Int, values xs: [Double], delta: [Double],
                                 thetas: [[Double]], lowered: [(x: Double, drop: Double)]) -> [String] {
        let name = ctx.model.parameterNames[a]
        func v(_ x: Double) -> String { Fmt.num(x, width: 0, digits: 5) }
        var lines: [String] = []
        func capped(_ items: [String]) {
            lines += items.prefix(3)
            if items.count > 3 { lines.append("profile of \(name): \(items.count - 3) more such places") }
        }
        // Stretches of neighbouring points lowered by a later pass.
        var stretches: [[(x: Double, drop: Double)]] = []
        let index = Dictionary(xs.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        for l in lowered {
            if let last = stretches.last?.last, let i = index[last.x], let j = index[l.x], j == i + 1 {
                stretches[stretches.count - 1].append(l)
            } else {
                stretches.append([l])
            }
        }
        capped(stretches.map { st in
            let at = st.count == 1 ? v(st[0].x) : "\(v(st.first!.x))…\(v(st.last!.x)) (\(st.count) points)"
            return "profile of \(name): continuation from the other side found a lower branch at \(at), Δχ² lower by up to "
                + "\(Fmt.num(st.map(\.drop).max()!, width: 0, digits: 3)); the lower branch is kept"
        })
        // Jumps of ν and kinks of Δχ², on the profile with the minimum as its middle point.
        guard let sa = ctx.hessian.sigma(ofParameter: a), sa > 0 else { return lines }
        let best = ctx.minimum.theta[a]
        var pts = zip(xs, zip(delta, thetas)).filter { $0.1.0.isFinite && $0.1.1.count == ctx.minimum.theta.count }
            .map { (x: $0.0, d: $0.1.0, theta: $0.1.1) }
        if !pts.contains(where: { abs($0.x - best) <= 1e-6 * sa }) { pts.append((best, 0, ctx.minimum.theta)) }
        pts.sort { $0.x < $1.x }
        let nuisance = ctx.hessian.indices.compactMap { j -> (Int, Double)? in
            guard j != a, let s = ctx.hessian.sigma(ofParameter: j), s > 0 else { return nil }
            return (j, s)
        }
        var jumps: [String] = [], jumpAt = Set<Int>()
        let steps = max(0, pts.count - 1)
        var moves = [Double](repeating: 0, count: steps), mostMoved = [Int](repeating: -1, count: steps)
        var rates = [Double](repeating: 0, count: steps)
        for k in 0..<steps {
            for (j, s) in nuisance {
                let m = abs(pts[k + 1].theta[j] - pts[k].theta[j]) / s
                if m > moves[k] { moves[k] = m; mostMoved[k] = j }
            }
            rates[k] = moves[k] / max(abs(pts[k + 1].x - pts[k].x) / sa, 1e-300)
        }
        for k in 0..<steps {
            let p = pts[k], q = pts[k + 1], move = moves[k], most = mostMoved[k]
            let step = abs(q.x - p.x) / sa
            // A jump moves ν far more than the steps around it do (a fast but smooth turn of ν does not).
            let around = (max(0, k - 3)...min(steps - 1, k + 3)).filter { $0 != k }.map { rates[$0] }.sorted()
            let typical = around.isEmpty ? 0 : around[around.count / 2]
            if most >= 0 && move > jumpSigma && move > jumpRatio * step && rates[k] > jumpRatio * typical {
                jumpAt.insert(k); jumpAt.insert(k + 1)
                jumps.append("profile of \(name) jumps at \(v(0.5 * (p.x + q.x))): ν moved \(Fmt.fixed(move, 1))σ "
                             + "(\(ctx.model.parameterNames[most])); the lower branch is kept")
            }
        }
        capped(jumps)
        var kinks: [String] = []
        let c0 = 2 / (sa * sa)
        if pts.count >= 3 {
            let curvature = (0..<pts.count).map { k -> Double in
                guard k > 0 && k < pts.count - 1 else { return 0 }
                let l = pts[k - 1], m = pts[k], r = pts[k + 1]
                return 2 * ((r.d - m.d) / (r.x - m.x) - (m.d - l.d) / (m.x - l.x)) / (r.x - l.x)
            }
            for k in 1..<(pts.count - 1) where !jumpAt.contains(k) {
                let l = pts[k - 1], m = pts[k], r = pts[k + 1]
                let sl = (m.d - l.d) / (m.x - l.x), sr = (r.d - m.d) / (r.x - m.x)
                // A kink bends far more sharply than the profile around it (a smooth concave stretch does not).
                let around = (max(1, k - 3)...min(pts.count - 2, k + 3)).filter { $0 != k }.map { abs(curvature[$0]) }.sorted()
                let typical = around.isEmpty ? 0 : around[around.count / 2]
                if curvature[k] < -kinkCurvature * c0 && -curvature[k] > jumpRatio * typical {
                    kinks.append("profile of \(name) has a kink at \(v(m.x)): the slope of Δχ² changes from \(Fmt.num(sl, width: 0, digits: 3)) "
                                 + "to \(Fmt.num(sr, width: 0, digits: 3)); the lower branch is kept")
                }
            }
        }
        capped(kinks)
        return lines
    }

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
    /// target with the steps left), corrected by the two-sided continuation (`continuation`), then
    /// bisecting the brackets of each T² crossing; sorted ascending. `lowered` receives the points the
    /// continuation's later passes lowered.
    static func adaptive(_ ctx: ScanContext, parameter a: Int, work: inout WorkCount,
                         lowered: inout [(x: Double, drop: Double)]) -> [(x: Double, r: MinimiserResult)] {
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
        var sides: [[(x: Double, r: MinimiserResult)]] = []
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
            sides.append(side)
        }
        // The second pass from the far ends, over the walked points of both sides.
        let walked = (sides[0] + sides[1]).sorted { $0.x < $1.x }
        let (kept, low) = continuation(ctx, parameter: a, values: walked.map(\.x), outward: walked.map(\.r), work: &work)
        lowered = low
        let corrected = zip(walked, kept).map { (x: $0.0.x, r: $0.1) }
        var all: [(x: Double, r: MinimiserResult)] = []
        for sign in [1.0, -1.0] {
            var side = corrected.filter { sign > 0 ? $0.x >= best : $0.x < best }
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
        var lowered: [(x: Double, drop: Double)] = []
        var walked = ctx.options.profileGrid == .adaptive ? adaptive(ctx, parameter: a, work: &work, lowered: &lowered) : []
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
        if walked.isEmpty {
            let (kept, low) = continuation(ctx, parameter: a, values: values, outward: nil, work: &work)
            walked = zip(values, kept).map { (x: $0.0, r: $0.1) }
            lowered = low
        }
        for (i, w) in walked.enumerated() { store(i, w.r) }
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
        warnings += continuityReport(ctx, parameter: a, values: values, delta: delta, thetas: thetas, lowered: lowered)
        if let lowest = delta.indices.min(by: { delta[$0] < delta[$1] }), delta[lowest] < -ScanContext.lowerMinimumTolerance {
            warnings.append("profile \(name): Δχ² = \(Fmt.fixed(delta[lowest], 3)) at \(name) = "
                            + "\(Fmt.num(values[lowest], width: 0, digits: 6)): a lower minimum than the global one was found")
        }
        return (ProfileResult(parameter: name, index: a, best: best, values: values, deltaChi2: delta, theta: thetas,
                              perExperiment: per, spread: spread, inside: inside, converged: conv,
                              intervals: intervals, warnings: warnings), work)
    }
}
