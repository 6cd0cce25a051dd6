import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuAnalysis

/// Solves a scan's answers (the minimum and every profile interval end) on the true χ² given by an oracle,
/// with a guide model (the emulator: value, gradient, Hessian) as the local model, and certifies them.
///
/// Method (trust-region model management with first-order consistency): each answer keeps an accepted
/// true point c with its true value f and gradient g (the oracle's, or forward differences of true values
/// with the guide's curvature subtracted). Two models around c are exact in value and gradient there: the
/// corrected guide m(y) = guide(y) + [f − guide(c)] + [g − ∇guide(c)]ᵀ(y − c) + ½(y − c)ᵀE(y − c) (E: a
/// damped-BFGS correction of the guide's Hessian, reset to 0 when a trial is rejected), and the quadratic
/// f + gᵀd + ½dᵀBd with the answer's own damped-BFGS Hessian B (the guide's at the scan's minimum, updated
/// from every pair of the answer's true gradients). After each trial the model that predicted its true
/// value better is used for the next step. The minimum's next trial point minimises the model in the box
/// c ± R·σ (σ: the scan's Hessian errors); an end's joint trial solves min_ν m(a, ν) = χ²_min + T² for a
/// (Newton on a with the envelope derivative ∂m/∂a at the constrained minimum, bracketed) in the same box.
/// A joint trial is accepted when the merit |f − χ²_min − T²| + g_νᵀH_νν⁻¹g_ν/2 improves (R doubles when
/// the step reached the box); when it is rejected the end minimises the true χ² over ν at its current a
/// until the nuisance decrease is within δ, then tries a joint step again. That nuisance phase is, with exact
/// gradients, a line search: direction d = the Newton step −H_νν⁻¹g_ν over the free nuisance parameters with
/// the Hessian of the model that predicted the last trial better (B, or the guide's at c plus E), scaled
/// down to at most 5 σ; trial c + t·d (t = 1 first), accepted on sufficient decrease f ≤ f(c) + 10⁻⁴·gᵀ(t·d);
/// otherwise t becomes the minimiser of the parabola through f(c), its slope and f(trial), kept within
/// [0.1, 0.5]·t (0.3·t where the truth is undefined); after an accepted trial whose directional derivative
/// is still more than half the first, the next trial continues along d to the secant estimate of the
/// minimum (at most 3 times the step just taken). In values mode it is the box trust region (trial:
/// min_ν m(a, ν) in c ± R·σ; accepted when f falls, otherwise R shrinks). Values mode: up to `RefineOptions.secantSteps` accepted steps
/// between two finite-difference gradients use a secant estimate (`secantGradient`); a rejected secant
/// step, the limit, or a point meeting the certificate's conditions gets forward differences first; with
/// `RefineStepGradient.residual` the secant estimate takes the change of the residual's gradient along the
/// step from `ResidualModel` (fitted on every true point of all answers) instead of the answer's E·s. All
/// active answers' trial points (and their finite-difference and probe points) go to the oracle as one
/// batch. A true point below χ²_min − ε found by any end restarts the minimum from it (one message).
/// Certificate: see `RefineOptions`; before the minimum's, a finite-difference true Hessian at its point
/// (`trueHessianPoints`: one batch) becomes a metric of every answer's and both models' Hessian for the
/// minimum; before it is given, two probes along the nuisance Newton step
/// (`certificateProbes`) must find no true χ² below χ²(x) − δ.
package struct Refiner: Sendable {
    /// The guide (the emulator).
    package let guide: any ScalarModel
    /// The scan whose answers are refined.
    package let scan: ScanResult
    /// The true χ².
    package let oracle: any ChiSquareOracle
    /// One constraint per guide parameter (the scan's, with the user's bounds).
    package let constraints: [ParameterConstraint]
    /// Settings.
    package let options: RefineOptions
    /// The guide's Hessian at the scan's minimum (the fixed metric of the merit).
    let guideMinimumHessian: [Double]

    /// The constraints a refiner of `scan` with `guide` and `oracle` uses (the given ones, else the scan's),
    /// after checking the options, that the scan belongs to the guide (the same parameters), that there is
    /// one constraint per parameter, and that the oracle knows every free parameter; throws naming the setting.
    static func validate(guide: any ScalarModel, scan: ScanResult, oracle: any ChiSquareOracle,
                         constraints: [ParameterConstraint]?, options: RefineOptions) throws(SettingError) -> [ParameterConstraint] {
        try options.validate()
        guard scan.parameterNames == guide.parameterNames else {
            throw SettingError(.refineScan, "its parameters \(scan.parameterNames.joined(separator: ",")) differ from the emulator's "
                              + guide.parameterNames.joined(separator: ","))
        }
        let cons = constraints ?? scan.minimum.constraints
        guard cons.count == guide.parameterNames.count else {
            throw SettingError(.refineBound, "\(cons.count) constraints for \(guide.parameterNames.count) parameters")
        }
        if let names = oracle.parameterNames {
            for (i, n) in guide.parameterNames.enumerated() where !names.contains(n) && !cons[i].isFixed {
                throw SettingError(.refineGuide, "parameter \(n) is not one of the oracle's (\(names.joined(separator: ",")))")
            }
        }
        return cons
    }

    /// Creates a refiner. Throws naming the setting if the scan does not belong to the guide (other
    /// parameters), the constraints do not match it, or the options are out of range.
    package init(guide: any ScalarModel, scan: ScanResult, oracle: any ChiSquareOracle,
                constraints: [ParameterConstraint]? = nil, options: RefineOptions = RefineOptions()) throws(SettingError) {
        let cons = try Refiner.validate(guide: guide, scan: scan, oracle: oracle, constraints: constraints, options: options)
        self.guide = guide; self.scan = scan; self.oracle = oracle; self.constraints = cons; self.options = options
        guideMinimumHessian = guide.valueGradientHessian(at: scan.minimum.theta).hessian
    }

    // MARK: - State

    /// A true point: value f and gradient g; `exact` when g is the oracle's or forward differences at x,
    /// false when it is a secant estimate (values mode; never used by the certificate).
    struct Eval: Sendable { var x: [Double]; var f: Double; var g: [Double]; var exact = true }
    enum Kind: Sendable { case minimum; case end(parameter: Int, t2: Double, side: Double) }
    enum Phase: Sendable, Equatable { case active, satisfied, open(String), stopped(String) }

    struct Work: Sendable {
        var kind: Kind
        var name: String
        var emulatorValue: Double?
        var center: Eval?
        var trial: [Double]?
        var last: Eval?
        var radius: Double
        var e: [Double]
        var evaluations = 0
        var iterations = 0
        var strikes = 0
        var phase: Phase = .active
        var stationarity = Double.nan
        /// An end whose joint step was rejected minimises over the nuisance parameters at its current value
        /// until their gradient is within tolerance (a monotone minimisation of the true χ²: a line search with
        /// exact gradients, the box trust region in values mode).
        var nuisanceOnly = false
        /// Exact gradients: the nuisance phase's search direction (`nuisanceDirection`, P entries) and the
        /// multiple t of it the next trial takes from the accepted point (1 first; smaller after a trial
        /// without sufficient decrease, up to 3 times the last step while the true χ² still falls steeply).
        var lineDirection: [Double]?
        var lineT = 1.0
        /// Values mode: the trial gets forward-difference points (a true gradient) in this batch; otherwise
        /// its gradient is a secant estimate from the accepted point.
        var withGradient = true
        /// Values mode: secant steps accepted since the last true gradient.
        var secantSteps = 0
        /// Values mode: the next batch evaluates the true gradient at the accepted point (no step).
        var refresh = false
        /// The Hessian of the answer's quadratic model of the true χ²: the guide's at the scan's minimum,
        /// updated by damped BFGS from each pair of the answer's true gradients (P×P).
        var b: [Double] = []
        /// The next step uses the quadratic model (it predicted the last trial better than the guide did).
        var useQuadratic = false
        /// `RefineStepGradient.residual`: the residual Hessian fitted by `ResidualModel` at the accepted
        /// point when the step was made (P×P), and whether the corrected guide uses it in place of E (it
        /// predicted the last trial best).
        var residualHessian: [Double]?
        var useResidualHessian = false
        /// Certificate probes evaluated in this batch (see `certificateProbes`).
        var probes: [[Double]] = []
        /// The accepted point whose probes found no lower χ² (the certificate may be given there).
        var probedAt: [Double]?
        /// The lowest probe that was below χ²(x) − δ: the next trial.
        var probeTrial: [Double]?
        /// The minimum: finite-difference points of the true Hessian at the accepted point, evaluated in this
        /// batch (`trueHessianPoints`).
        var hessianPoints: [[Double]] = []
        /// The minimum: the true Hessian from those points (P×P; a fourth metric of its certificate and the
        /// Hessian of its quadratic model), and the point where it was taken. An end: the minimum's, a fourth
        /// metric of its certificate.
        var trueHessian: [Double]?
        var trueHessianAt: [Double]?
    }

    // MARK: - Run

    /// Runs to certification of every answer, the budget or the iteration limit. `store` holds (and on
    /// disk keeps) every true evaluation; `progress` gets one line per batch and per event. Throws an
    /// `OracleError` when the oracle fails (what was evaluated is in `store`), a `RefineError` when exact
    /// gradients are asked of an oracle that gives none.
    ///
    /// `iterationEnd` (optional) gets the result as it stands after each iteration — the same answers a run
    /// limited to that many iterations returns — so a caller can follow the convergence without rerunning.
    package func run(store: RefineStore? = nil, iterationEnd: ((_ iteration: Int, _ result: RefineResult) throws -> Void)? = nil,
                     progress: (String) -> Void = { _ in }) throws -> RefineResult {
        let p = guide.parameterNames.count
        let store = try store ?? RefineStore(directory: nil, parameterNames: guide.parameterNames, identity: "")
        let sigma = (0..<p).map { i -> Double in
            if let s = scan.hessian.sigma(ofParameter: i), s > 0 { return s }
            return 0.01 * max(1, abs(scan.minimum.theta[i]))
        }
        let free = constraints.map { !$0.isFixed }
        // Conditional σ (all other parameters held): √(2/H_ii) of the guide at the scan's minimum; the
        // scale of finite-difference steps.
        let h0 = guide.valueGradientHessian(at: scan.minimum.theta).hessian
        let conditional = (0..<p).map { i -> Double in h0[i * p + i] > 0 ? (2 / h0[i * p + i]).squareRoot() : sigma[i] }
        var messages: [String] = []
        var mode = options.gradients
        var checkedGradient = mode != .exact

        // Answers: the minimum, then every profile end the scan has.
        var works: [Work] = []
        var start = scan.minimum.theta
        for i in 0..<p { start[i] = constraints[i].clamp(start[i]) }
        works.append(Work(kind: .minimum, name: "minimum", emulatorValue: scan.minimum.chi2, trial: start,
                          radius: 1, e: [Double](repeating: 0, count: p * p), b: h0))
        for prof in scan.profiles {
            guard let k = guide.parameterNames.firstIndex(of: prof.parameter), free[k] else { continue }
            for interval in prof.intervals {
                for (sideName, s) in [("lower", -1.0), ("upper", 1.0)] {
                    let ev = s < 0 ? interval.lower : interval.upper
                    let t2 = interval.tolerance
                    let x0 = initialEndPoint(profile: prof, k: k, value: ev, side: s)
                    works.append(Work(kind: .end(parameter: k, t2: t2, side: s),
                                      name: "profile/\(prof.parameter) T2=\(Fmt.short(t2)) \(sideName)", emulatorValue: ev,
                                      trial: x0, radius: max(1, t2.squareRoot()), e: [Double](repeating: 0, count: p * p), b: h0))
                }
            }
        }

        // Values mode with residual steps: r = χ²_true − guide at every true point of all answers.
        var residual = ResidualModel(scale: conditional, free: free)
        let useResidual = options.stepGradient == .residual
        var evaluations = 0, reused = 0, batches = 0
        var used = Set<[UInt64]>()   // every point this run has used (asked or read back from the store)
        var iteration = 0
        while true {
            let activeIdx = works.indices.filter { works[$0].phase == .active && works[$0].trial != nil }
            if activeIdx.isEmpty { break }
            if iteration >= options.maxIterations {
                for i in activeIdx { works[i].phase = .stopped("the iteration limit (\(options.maxIterations)) was reached") }
                messages.append("the iteration limit (\(options.maxIterations)) was reached with \(activeIdx.count) answer(s) not certified")
                break
            }
            // Points of this iteration: per answer the trial, its finite-difference points, the gradient check.
            var perAnswer: [[[Double]]] = []
            var steps: [[Double]] = []
            for i in activeIdx {
                let x = works[i].trial!
                var pts = [x]
                var h = [Double](repeating: 0, count: p)
                if mode == .values && works[i].withGradient {
                    for j in 0..<p where free[j] {
                        var step = options.finiteDifferenceStep * conditional[j]
                        if x[j] + step > constraints[j].upper { step = -step }
                        var y = x; y[j] += step
                        h[j] = y[j] - x[j]
                        pts.append(y)
                    }
                }
                pts += works[i].probes
                pts += works[i].hessianPoints
                perAnswer.append(pts); steps.append(h)
            }
            var checkPoints: [[Double]] = []
            if !checkedGradient, let first = activeIdx.first {
                checkPoints = gradientCheckPoints(at: works[first].trial!, sigma: conditional, free: free)
            }
            // New points for the oracle; points stored by an earlier (killed) run count as reused, and both
            // count against the budget.
            var unique: [[Double]] = [], fromStore: [[UInt64]] = [], seen = Set<[UInt64]>()
            for x in perAnswer.flatMap({ $0 }) + checkPoints {
                let key = x.map(\.bitPattern)
                guard !used.contains(key), seen.insert(key).inserted else { continue }
                if store.record(at: x) == nil { unique.append(x) } else { fromStore.append(key) }
            }
            if used.count + unique.count + fromStore.count > options.budget {
                for i in activeIdx { works[i].phase = .stopped("the budget of \(options.budget) evaluations is spent") }
                messages.append("the budget of \(options.budget) evaluations is spent (\(used.count) used; the next batch needs "
                                + "\(unique.count + fromStore.count)); what is certified so far is kept")
                break
            }
            if !unique.isEmpty {
                let points = try OraclePoints(parameterNames: guide.parameterNames, values: unique.flatMap { $0 })
                let result = try oracle.evaluate(points, gradients: mode == .exact)
                try store.store(unique, result)
                evaluations += unique.count
                batches += 1
            }
            reused += fromStore.count
            for (n, i) in activeIdx.enumerated() {
                works[i].evaluations += perAnswer[n].filter { x in
                    let key = x.map(\.bitPattern)
                    return !used.contains(key) && seen.contains(key)
                }.count
            }
            if useResidual {
                let fresh = seen.filter { !used.contains($0) }.map { $0.map { Double(bitPattern: $0) } }
                let guideValues = Parallel.map(fresh.count) { guide.value(at: fresh[$0]) }
                for (n, x) in fresh.enumerated() {
                    if let r = store.record(at: x), r.reason == nil { residual.add(x, residual: r.chi2 - guideValues[n]) }
                }
            }
            for key in seen { used.insert(key) }
            iteration += 1

            if !checkedGradient {
                checkedGradient = true
                let firstX = works[activeIdx[0]].trial!
                guard let rec = store.record(at: firstX), rec.reason != nil || rec.gradient != nil else {
                    throw SettingError(.refineGradients, "exact gradients were asked for but the oracle \(oracle.label) gives none")
                }
                if let problem = gradientCheck(at: firstX, points: checkPoints, store: store) {
                    messages.append(problem); progress(problem)
                    mode = .values
                    continue   // evaluate the same trial points again with finite differences (their values are stored)
                }
            }

            // Evaluations of the trial points.
            var evals: [Eval?] = []
            var reasons: [String?] = []
            for (n, i) in activeIdx.enumerated() {
                let x = works[i].trial!
                let rec = store.record(at: x)!
                guard rec.reason == nil, rec.chi2.isFinite else { evals.append(nil); reasons.append(rec.reason ?? "χ² is not finite"); continue }
                var g: [Double]
                var exact = true
                if mode == .exact, let eg = rec.gradient {
                    g = eg
                    for j in 0..<p where !free[j] { g[j] = 0 }
                } else if !works[i].withGradient, let c = works[i].center {
                    var change: [Double]?
                    if useResidual, let fx = residual.fit(at: x), let fc = residual.fit(at: c.x) {
                        change = (0..<p).map { fx.gradient[$0] - fc.gradient[$0] }
                    }
                    g = secantGradient(from: c, to: x, value: rec.chi2, e: works[i].e, sigma: sigma, free: free, residualChange: change)
                    exact = false
                } else {
                    let hm = guide.valueGradientHessian(at: x).hessian
                    g = [Double](repeating: 0, count: p)
                    var undefined: String?
                    var m = 1
                    for j in 0..<p where free[j] {
                        let r = store.record(at: perAnswer[n][m])!; m += 1
                        guard r.reason == nil, r.chi2.isFinite else { undefined = r.reason ?? "χ² is not finite"; break }
                        let hj = steps[n][j]
                        g[j] = (r.chi2 - rec.chi2) / hj - 0.5 * (hm[j * p + j] + works[i].e[j * p + j]) * hj
                    }
                    if let undefined { evals.append(nil); reasons.append("a finite-difference point is undefined: \(undefined)"); continue }
                }
                evals.append(Eval(x: x, f: rec.chi2, g: g, exact: exact)); reasons.append(nil)
            }

            // The minimum's true Hessian, from its finite-difference points (nil: undefined there).
            var hessianResult: [[Double]?] = []
            for i in activeIdx {
                if let c = works[i].center, !works[i].hessianPoints.isEmpty {
                    hessianResult.append(trueHessian(at: c, points: works[i].hessianPoints, conditional: conditional, free: free, mode: mode, store: store))
                } else { hessianResult.append(nil) }
            }

            // Certificate probes: the lowest below χ²(x) − δ, if any.
            var probeResult: [[Double]?] = []
            for i in activeIdx {
                var best: (f: Double, x: [Double])?
                if let c = works[i].center {
                    for y in works[i].probes {
                        guard let r = store.record(at: y), r.reason == nil, r.chi2.isFinite, r.chi2 < c.f - options.stationarity else { continue }
                        if best == nil || r.chi2 < best!.f { best = (r.chi2, y) }
                    }
                }
                probeResult.append(best?.x)
            }

            // A lower minimum found by any other answer restarts the minimum from it.
            let minIndex = 0
            let minF = works[minIndex].center?.f ?? (works[minIndex].phase == .active ? store.record(at: works[minIndex].trial ?? [])?.chi2 : nil) ?? .infinity
            var lowest: (f: Double, x: [Double], name: String)?
            for (n, i) in activeIdx.enumerated() where i != minIndex {
                for x in perAnswer[n] {
                    guard let r = store.record(at: x), r.reason == nil, r.chi2 < minF - options.epsilon else { continue }
                    if lowest == nil || r.chi2 < lowest!.f { lowest = (r.chi2, x, works[i].name) }
                }
            }

            // Accept or reject each trial; update the rank-one correction.
            let targetBefore = currentMinimum(works[minIndex])
            // With exact gradients an end's nuisance phase is a line search along a Newton direction.
            let lineSearch = mode == .exact
            let updated = Parallel.map(activeIdx.count) { n -> Work in
                var w = works[activeIdx[n]]
                w.iterations += 1
                if !w.hessianPoints.isEmpty, let c = w.center {
                    // The true Hessian at the accepted point: a metric of the certificate and the quadratic model's
                    // Hessian from here on (an undefined one is not retried at this point).
                    w.hessianPoints = []
                    w.trueHessianAt = c.x
                    if let h = hessianResult[n] {
                        // Both models take the true Hessian at c: B, and the corrected guide through E = H − H_guide(c).
                        let hg = guide.valueGradientHessian(at: c.x).hessian
                        w.trueHessian = h; w.b = h; w.useQuadratic = true
                        w.e = (0..<h.count).map { h[$0] - hg[$0] }
                    }
                    return w
                }
                if !w.probes.isEmpty, let c = w.center {
                    w.probes = []
                    if let lower = probeResult[n] { w.probeTrial = lower } else { w.probedAt = c.x }
                    return w
                }
                guard let e = evals[n] else {
                    if w.nuisanceOnly, lineSearch, w.lineDirection != nil, w.center != nil {
                        w.lineT *= 0.3   // the true χ² is undefined along the direction: backtrack
                        return w
                    }
                    w.strikes += 1
                    if w.center == nil || w.strikes >= 3 {
                        w.phase = .open("the true χ² is undefined at its trial points (\(reasons[n]!))")
                    } else { w.radius *= 0.3 }
                    return w
                }
                w.strikes = 0
                if let c = w.center, !c.exact, e.exact, e.x == c.x {
                    // A true gradient at the accepted point (values mode): the model is first-order exact again.
                    w.center = e; w.last = e; w.secantSteps = 0
                    return w
                }
                if let c = w.center {
                    // Choose the model on measurement: the one that predicted this trial's true value better.
                    let byGuide = model(w, c, residualHessian: false)(e.x).value, byQuadratic = quadraticModel(w, c)(e.x).value
                    if byGuide.isFinite || byQuadratic.isFinite { w.useQuadratic = abs(byQuadratic - e.f) < abs(byGuide - e.f) }
                    w.useResidualHessian = false
                    if w.residualHessian != nil {
                        let byResidual = model(w, c, residualHessian: true)(e.x).value
                        if byResidual.isFinite, abs(byResidual - e.f) < min(abs(byGuide - e.f), abs(byQuadratic - e.f)) {
                            w.useResidualHessian = true; w.useQuadratic = false
                        }
                    }
                }
                if let last = w.last, last.exact, e.exact {
                    w.e = quasiNewtonUpdate(w.e, from: last, to: e)
                    w.b = Refiner.dampedBFGS(w.b, from: last, to: e)
                }
                w.last = e
                if let c = w.center {
                    var metric = guide.valueGradientHessian(at: c.x).hessian
                    if quadraticDecrease(w, c, hessian: metric) == nil { metric = minimumHessian }
                    var better: Bool
                    if w.nuisanceOnly, lineSearch, let dir = w.lineDirection {
                        var slope = 0.0
                        for i in dir.indices { slope += c.g[i] * (e.x[i] - c.x[i]) }
                        better = e.f < c.f && e.f <= c.f + 1e-4 * min(0, slope)
                        var slopeE = 0.0
                        for i in dir.indices { slopeE += e.g[i] * (e.x[i] - c.x[i]) }
                        let r = slope < 0 ? slopeE / slope : 0
                        if better, r > 0.5, e.exact {
                            // The true χ² still falls steeply along the direction at the trial: continue along it
                            // to the secant estimate of its minimum (at most 3 times the step just taken).
                            w.lineT = w.lineT * (r >= 0.75 ? 3 : r / (1 - r))
                        } else if better { w.lineDirection = nil; w.lineT = 1 } else {
                            // Backtrack along the same direction: the minimiser of the parabola through f(c), its
                            // slope and f(trial), kept within [0.1, 0.5] of the last fraction.
                            let t = w.lineT, curv = e.f - c.f - slope
                            var tn = curv > 0 && slope < 0 ? -slope * t / (2 * curv) : 0.3 * t
                            tn = min(max(tn, 0.1 * t), 0.5 * t)
                            w.lineT = tn
                        }
                    } else {
                        better = w.nuisanceOnly ? e.f < c.f
                        : merit(w, e, target: targetBefore, metric: metric) < merit(w, c, target: targetBefore, metric: metric)
                    }
                    if !better, !w.nuisanceOnly, c.exact, case .end(let k, let t2, let s) = w.kind {
                        // Past a local maximum of the true profile (a dip before the crossing): an end whose
                        // accepted point is a true constrained minimum below χ²_min + T² moves outward while
                        // the truth stays below that level and near the nuisance valley (predicted decrease
                        // ≤ 1), though |Δχ² − T²| grows on the way.
                        let level = targetBefore.value + t2
                        better = c.f < level - options.epsilon && e.f < level && s * (e.x[k] - c.x[k]) > 0
                            && (decrease(w, c) ?? .infinity) <= options.stationarity
                            && (quadraticDecrease(w, e, hessian: metric) ?? .infinity) <= 1
                    }
                    let len = stepLength(c.x, e.x, sigma)
                    if better {
                        w.center = e
                        if !e.exact { w.secantSteps += 1 }
                        if len >= 0.7 * w.radius { w.radius *= 2 }
                    } else if !c.exact {
                        // A secant estimate misled (values mode): the true gradient at the accepted point first.
                        w.refresh = true
                        w.radius = 0.5 * min(w.radius, max(len, 1e-6))
                        w.last = c
                    } else if case .end = w.kind, !w.nuisanceOnly {
                        w.nuisanceOnly = true   // the joint step failed: first a true constrained minimum at this value
                        w.lineDirection = nil; w.lineT = 1
                        w.radius = 0.5 * min(w.radius, max(len, 1e-6))
                        w.last = c
                    } else if w.nuisanceOnly, lineSearch, w.lineDirection != nil {
                        w.e = [Double](repeating: 0, count: w.e.count)   // the corrected Hessian misled: back to the guide's
                        w.last = c
                    } else {
                        w.radius = 0.35 * min(w.radius, max(len, 1e-6))
                        w.e = [Double](repeating: 0, count: w.e.count)   // the corrected Hessian misled: back to the guide's
                        w.last = c
                    }
                } else {
                    w.center = e
                }
                return w
            }
            for (n, i) in activeIdx.enumerated() { works[i] = updated[n] }
            // The minimum's true Hessian is also a metric of every end's certificate (ends keep their own models).
            if let h = works[0].trueHessian {
                for i in works.indices.dropFirst() { works[i].trueHessian = h }
            }
            if let lowest {
                let line = "a lower minimum χ² = \(Fmt.fixed(lowest.f, 4)) (Δ = \(Fmt.fixed(lowest.f - minF, 4))) was found at a trial point of "
                    + "\(lowest.name): the minimum restarts from it and every end is measured from the new minimum"
                messages.append(line); progress(line)
                works[minIndex].center = nil
                works[minIndex].last = nil
                works[minIndex].trial = lowest.x
                works[minIndex].radius = 1
                works[minIndex].phase = .active
                works[minIndex].e = [Double](repeating: 0, count: p * p)
                works[minIndex].withGradient = true
                works[minIndex].refresh = false
                works[minIndex].secantSteps = 0
                works[minIndex].nuisanceOnly = false
                works[minIndex].hessianPoints = []
                works[minIndex].trueHessianAt = nil
            }

            // Certificate checks and the next trial points (all answers: the target may have moved).
            let target = currentMinimum(works[minIndex])
            let fitted = residual
            let next = Parallel.map(works.count) { i -> Work in
                var w = works[i]
                switch w.phase { case .open, .stopped: return w; default: break }
                guard let c = w.center else { return w }   // a restarted minimum: its trial is set
                let d = decrease(w, c)
                w.stationarity = d ?? .nan
                let satisfied: Bool
                switch w.kind {
                case .minimum: satisfied = (d ?? .infinity) <= options.stationarity
                case .end(_, let t2, _):
                    satisfied = (d ?? .infinity) <= options.stationarity && abs(c.f - target.value - t2) <= options.epsilon
                }
                // The certificate uses true gradients only: a point that meets the conditions with a secant
                // estimate (values mode) first gets forward differences.
                if (satisfied || w.refresh || w.secantSteps >= options.secantSteps) && !c.exact {
                    w.phase = .active; w.refresh = false; w.trial = c.x; w.withGradient = true
                    return w
                }
                w.refresh = false
                if let lower = w.probeTrial {
                    // A probe found a lower true χ² at this value: minimise over the nuisance parameters from it.
                    w.probeTrial = nil; w.phase = .active; w.trial = lower; w.withGradient = true
                    if case .end = w.kind { w.nuisanceOnly = true; w.lineDirection = nil; w.lineT = 1 }
                    return w
                }
                if case .minimum = w.kind, satisfied, c.exact,
                   w.trueHessianAt.map({ stepLength($0, c.x, conditional) > 0.5 }) ?? true {
                    // Before the minimum is certified: the true Hessian at its point (a guide too steep along a
                    // direction would otherwise hide a decrease the truth still has there).
                    let points = trueHessianPoints(at: c.x, conditional: conditional, free: free, mode: mode)
                    if !points.isEmpty {
                        w.phase = .active; w.hessianPoints = points; w.trial = c.x; w.withGradient = false
                        return w
                    }
                }
                if satisfied, w.probedAt != c.x {
                    let probes = certificateProbes(w, c)
                    if !probes.isEmpty {
                        w.phase = .active; w.probes = probes; w.trial = c.x; w.withGradient = false
                        return w
                    }
                }
                if satisfied { w.phase = .satisfied; w.trial = nil; w.nuisanceOnly = false; return w }
                if w.nuisanceOnly, (d ?? .infinity) <= options.stationarity { w.nuisanceOnly = false }
                w.phase = .active
                if w.radius < 1e-4 {
                    w.phase = .open("the trust region collapsed: the emulator's model does not predict the true χ² near the answer")
                    return w
                }
                if useResidual, let fit = fitted.fitWithHessian(at: c.x) {
                    // The residual's Hessian from the shared fit, first-order exact at c (value, gradient: c's).
                    w.residualHessian = (0..<(p * p)).map { fit.hessian[$0] }
                } else { w.residualHessian = nil; w.useResidualHessian = false }
                if lineSearch, w.nuisanceOnly, case .end = w.kind {
                    if w.lineDirection == nil {
                        w.lineDirection = nuisanceDirection(w, c, sigma: sigma); w.lineT = 1
                    }
                    if let dir = w.lineDirection {
                        let t = w.lineT
                        w.trial = c.x.indices.map { i in constraints[i].clamp(c.x[i] + t * dir[i]) }
                        if w.lineT * stepLength(c.x, c.x.indices.map { c.x[$0] + dir[$0] }, sigma) < 1e-6 {
                            w.phase = .open("the trust region collapsed: the emulator's model does not predict the true χ² near the answer")
                            return w
                        }
                        w.withGradient = mode == .exact || options.secantSteps == 0
                        return w
                    }
                }
                let (trial, note) = solve(w, c, target: target.value, sigma: sigma)
                if let note { w.phase = .open(note); return w }
                w.trial = trial
                w.withGradient = mode == .exact || options.secantSteps == 0
                return w
            }
            works = next
            let done = works.filter { $0.phase == .satisfied }.count
            progress("iteration \(iteration): \(evaluations) evaluations, \(done)/\(works.count) answers meet their conditions, "
                     + "χ²_min \(works[minIndex].center.map { Fmt.fixed($0.f, 4) } ?? "?")")
            if let iterationEnd {
                try iterationEnd(iteration, assemble(works, evaluations: evaluations, reused: reused, batches: batches, mode: mode, messages: messages))
            }
        }
        return assemble(works, evaluations: evaluations, reused: reused, batches: batches, mode: mode, messages: messages)
    }

    // MARK: - Pieces

    /// The nuisance phase's direction at an accepted point: the Newton step −H_νν⁻¹g_ν in the free nuisance
    /// parameters (`newtonStep`) with the Hessian of the model that predicted the last trial better (the
    /// answer's BFGS Hessian B, or the corrected guide's H_guide(c) + E), scaled down to at most 5 σ.
    func nuisanceDirection(_ w: Work, _ c: Eval, sigma: [Double]) -> [Double]? {
        let p = c.x.count
        var h = w.b
        if !w.useQuadratic {
            h = guide.valueGradientHessian(at: c.x).hessian
            for i in 0..<(p * p) { h[i] += w.e[i] }
        }
        guard var d = newtonStep(w, c, hessian: h) ?? newtonStep(w, c, hessian: w.b) else { return nil }
        var m = 0.0
        for i in 0..<p { m = max(m, abs(d[i]) / sigma[i]) }
        if m > 5 { for i in 0..<p { d[i] *= 5 / m } }
        return d.contains(where: { $0 != 0 }) ? d : nil
    }

    /// The start of an end: the emulator's end with the nuisance parameters at the guide's constrained
    /// minimum there (an open end: the outermost grid point on that side).
    func initialEndPoint(profile: ProfileResult, k: Int, value: Double?, side: Double) -> [Double] {
        guard !profile.values.isEmpty else { return scan.minimum.theta }
        let a = constraints[k].clamp(value ?? (side < 0 ? profile.values.first! : profile.values.last!))
        var nearest = 0
        for (j, v) in profile.values.enumerated() where abs(v - a) < abs(profile.values[nearest] - a) { nearest = j }
        var cons = constraints
        cons[k] = .fixed(a)
        var x0 = profile.theta[nearest]
        x0[k] = a
        for i in x0.indices { x0[i] = cons[i].clamp(x0[i]) }
        let r = Minimiser(model: guide).minimise(from: x0, constraints: cons)
        return r.value.isFinite ? branchStart(profile: profile, k: k, scanPoint: x0, minimised: r.theta) : x0   // BranchStart.swift
    }

    /// The current estimate of the true χ²_min: the minimum's accepted value less its predicted decrease.
    func currentMinimum(_ w: Work) -> (value: Double, certified: Bool) {
        guard let c = w.center else { return (.infinity, false) }
        if w.phase == .satisfied { return (c.f, true) }
        let d = decrease(w, c) ?? 0
        return (c.f - max(0, d), false)
    }

    /// Values mode: the true gradient at x estimated from the accepted point c without new evaluations. The
    /// residual r = χ²_true − guide is modelled linear around c with c's residual gradient (plus the
    /// correction E); the estimate is the guide's gradient at x plus that residual gradient, corrected along
    /// the step s = x − c so that the residual model from x reproduces the residual at c (a Broyden update
    /// in the metric diag(1/σ²)).
    ///
    /// `residualChange` (P entries; `RefineStepGradient.residual`): the change ∇r̂(x) − ∇r̂(c) of the
    /// `ResidualModel`'s gradient from c to x, used in place of E·s (the residual's own curvature, fitted on
    /// every answer's true points, rather than the answer's BFGS correction).
    func secantGradient(from c: Eval, to x: [Double], value f: Double, e: [Double], sigma: [Double], free: [Bool],
                        residualChange: [Double]? = nil) -> [Double] {
        let p = x.count
        let gx = guide.valueAndGradient(at: x), gc = guide.valueAndGradient(at: c.x)
        var s = [Double](repeating: 0, count: p), gr = s, es = s
        for i in 0..<p where free[i] { s[i] = x[i] - c.x[i]; gr[i] = c.g[i] - gc.gradient[i] }
        if let residualChange {
            for i in 0..<p { es[i] = residualChange[i] }
        } else {
            for i in 0..<p { var t = 0.0; for j in 0..<p { t += e[i * p + j] * s[j] }; es[i] = t }
        }
        let dr = (f - gx.value) - (c.f - gc.value)
        var predicted = 0.0, sms = 0.0
        for i in 0..<p where free[i] {
            predicted += (gr[i] + 0.5 * es[i]) * s[i]
            sms += s[i] * s[i] / (sigma[i] * sigma[i])
        }
        var g = [Double](repeating: 0, count: p)
        for i in 0..<p where free[i] {
            g[i] = gx.gradient[i] + gr[i] + es[i]
            if sms > 0, sms.isFinite { g[i] += (dr - predicted) / sms * s[i] / (sigma[i] * sigma[i]) }
        }
        return g
    }

    /// Indices of the parameters a point's stationarity is measured over: free, not the profiled one, not
    /// held at a bound by an outward gradient.
    func activeSet(_ w: Work, _ e: Eval) -> [Int] {
        var skip = -1
        if case .end(let k, _, _) = w.kind { skip = k }
        return (0..<e.x.count).filter { i in
            guard !constraints[i].isFixed, i != skip else { return false }
            let lo = constraints[i].lower, hi = constraints[i].upper
            if e.x[i] <= lo && e.g[i] > 0 { return false }
            if e.x[i] >= hi && e.g[i] < 0 { return false }
            return true
        }
    }

    /// g_νᵀH_νν⁻¹g_ν/2 over `activeSet`, the largest of the values in the guide's Hessian at the point, at
    /// the scan's minimum, and in the answer's BFGS Hessian learned from its true gradients (each where
    /// positive definite; nil: none is).
    func decrease(_ w: Work, _ e: Eval) -> Double? {
        var out: Double?
        for h in [guide.valueGradientHessian(at: e.x).hessian, minimumHessian, w.b, w.trueHessian ?? []] where h.count == e.x.count * e.x.count {
            if let d = quadraticDecrease(w, e, hessian: h) { out = max(out ?? d, d) }
        }
        return out
    }

    /// g_νᵀH_νν⁻¹g_ν/2 over `activeSet` in `hessian` (nil: not positive definite there).
    func quadraticDecrease(_ w: Work, _ e: Eval, hessian h: [Double]) -> Double? {
        guard let z = newtonStep(w, e, hessian: h) else { return nil }
        var s = 0.0
        for i in z.indices { s -= e.g[i] * z[i] }
        return 0.5 * s
    }

    /// The Newton step d = −H_νν⁻¹g_ν over `activeSet` in `hessian` (P entries, 0 outside the set; Jacobi-
    /// scaled and shifted as in `quadraticDecrease`); nil if `hessian` is not positive definite there.
    func newtonStep(_ w: Work, _ e: Eval, hessian h: [Double]) -> [Double]? {
        let idx = activeSet(w, e)
        if idx.isEmpty { return [Double](repeating: 0, count: e.x.count) }
        let p = e.x.count
        let m = idx.count
        // Jacobi-scaled (unit diagonal) so that strongly correlated parameters do not defeat the factorisation.
        var scale = [Double](repeating: 0, count: m)
        for r in 0..<m {
            let d = h[idx[r] * p + idx[r]]
            guard d > 0, d.isFinite else { return nil }
            scale[r] = 1 / d.squareRoot()
        }
        var sub = [Double](repeating: 0, count: m * m), rhs = [Double](repeating: 0, count: m)
        for r in 0..<m {
            rhs[r] = e.g[idx[r]] * scale[r]
            for c in 0..<m { sub[r * m + c] = h[idx[r] * p + idx[c]] * scale[r] * scale[c] }
        }
        // Where the guide's Hessian is not positive definite (flat or curved valleys of a network), the
        // scaled matrix gets the smallest diagonal shift τ ∈ {1e-8, 1e-6, …, 1} that makes it so.
        var z: [Double]? = Refiner.choleskySolve(sub, m, rhs)
        var tau = 1e-8
        while z == nil && tau <= 1 {
            var shifted = sub
            for r in 0..<m { shifted[r * m + r] += tau }
            z = Refiner.choleskySolve(shifted, m, rhs)
            tau *= 100
        }
        guard let z else { return nil }
        var d = [Double](repeating: 0, count: p)
        for (r, i) in idx.enumerated() { d[i] = -z[r] * scale[r] }
        return d
    }

    /// Step of the true Hessian's finite differences, in conditional σ.
    static let hessianStep = 0.1

    /// The points of a finite-difference true Hessian at x: with exact gradients x + s_j e_j (P points), values
    /// only also x − s_j e_j and x + s_i e_i + s_j e_j for i < j (2P + P(P − 1)/2), s_j = `hessianStep`
    /// conditional σ (negated where x + s_j e_j passes the upper bound; x + 2s_j e_j where x − s_j e_j
    /// passes the lower one).
    func trueHessianPoints(at x: [Double], conditional: [Double], free: [Bool], mode: RefineGradients) -> [[Double]] {
        let idx = free.indices.filter { free[$0] }
        let s = hessianSteps(at: x, conditional: conditional, free: free)
        var out: [[Double]] = []
        for j in idx { var y = x; y[j] += s[j]; out.append(y) }
        guard mode == .values else { return out }
        for j in idx { out.append(secondDiagonalPoint(x, j, s[j])) }
        for (a, i) in idx.enumerated() { for j in idx[(a + 1)...] { var y = x; y[i] += s[i]; y[j] += s[j]; out.append(y) } }
        return out
    }

    /// The signed finite-difference step s_j of each free parameter at x (0 for fixed ones).
    func hessianSteps(at x: [Double], conditional: [Double], free: [Bool]) -> [Double] {
        x.indices.map { j in
            guard free[j] else { return 0 }
            let s = Refiner.hessianStep * conditional[j]
            return x[j] + s > constraints[j].upper ? -s : s
        }
    }

    /// The second point of parameter j's diagonal second difference: x − s e_j inside the bounds, else x + 2s e_j.
    func secondDiagonalPoint(_ x: [Double], _ j: Int, _ s: Double) -> [Double] {
        var y = x
        y[j] = x[j] - s >= constraints[j].lower && x[j] - s <= constraints[j].upper ? x[j] - s : x[j] + 2 * s
        return y
    }

    /// The true Hessian at c (P×P, symmetric, 0 in fixed rows and columns) from `trueHessianPoints`' stored
    /// values (and gradients); nil when one of them is undefined.
    func trueHessian(at c: Eval, points: [[Double]], conditional: [Double], free: [Bool], mode: RefineGradients,
                     store: RefineStore) -> [Double]? {
        let p = c.x.count, idx = free.indices.filter { free[$0] }
        let s = hessianSteps(at: c.x, conditional: conditional, free: free)
        var h = [Double](repeating: 0, count: p * p)
        func record(_ y: [Double]) -> (f: Double, g: [Double]?)? {
            guard let r = store.record(at: y), r.reason == nil, r.chi2.isFinite else { return nil }
            return (r.chi2, r.gradient)
        }
        if mode == .exact {
            for j in idx {
                var y = c.x; y[j] += s[j]
                guard let r = record(y), let g = r.g else { return nil }
                for i in idx { h[i * p + j] = (g[i] - c.g[i]) / s[j] }
            }
            for i in idx { for j in idx where j > i { let m = 0.5 * (h[i * p + j] + h[j * p + i]); h[i * p + j] = m; h[j * p + i] = m } }
        } else {
            var plus = [Double](repeating: 0, count: p)
            for j in idx {
                var y = c.x; y[j] += s[j]
                guard let r = record(y) else { return nil }
                plus[j] = r.f
                let z = secondDiagonalPoint(c.x, j, s[j])
                guard let q = record(z) else { return nil }
                // Central (x ± s) or forward (x + s, x + 2s) second difference.
                h[j * p + j] = z[j] == c.x[j] - s[j]
                    ? (r.f - 2 * c.f + q.f) / (s[j] * s[j]) : (q.f - 2 * r.f + c.f) / (s[j] * s[j])
            }
            for (a, i) in idx.enumerated() {
                for j in idx[(a + 1)...] {
                    var y = c.x; y[i] += s[i]; y[j] += s[j]
                    guard let r = record(y) else { return nil }
                    let m = (r.f - plus[i] - plus[j] + c.f) / (s[i] * s[j])
                    h[i * p + j] = m; h[j * p + i] = m
                }
            }
        }
        return h.contains(where: { !$0.isFinite }) ? nil : h
    }

    /// Points that test a certificate along the nuisance Newton step d (the guide's Hessian at the point,
    /// else at the scan's minimum): x + t·d for t = 4 and 16, clamped to the constraints. A true χ² below
    /// χ²(x) − δ at one of them shows a lower profile that the Hessian metrics did not predict.
    func certificateProbes(_ w: Work, _ c: Eval) -> [[Double]] {
        guard let d = newtonStep(w, c, hessian: guide.valueGradientHessian(at: c.x).hessian) ?? newtonStep(w, c, hessian: minimumHessian),
              d.contains(where: { $0 != 0 }) else { return [] }
        return [4.0, 16.0].map { t in c.x.indices.map { i in constraints[i].clamp(c.x[i] + t * d[i]) } }.filter { $0 != c.x }
    }

    /// The guide's Hessian at the scan's minimum (P×P).
    var minimumHessian: [Double] { guideMinimumHessian }

    /// The merit a trial must improve on: the minimum's χ²; an end's |χ² − χ²_min − T²| plus its nuisance
    /// decrease in `metric` (the guide's Hessian at the accepted point, the same for both points compared).
    func merit(_ w: Work, _ e: Eval, target: (value: Double, certified: Bool), metric: [Double]) -> Double {
        switch w.kind {
        case .minimum: return e.f
        case .end(_, let t2, _):
            return abs(e.f - target.value - t2) + (quadraticDecrease(w, e, hessian: metric) ?? .infinity)
        }
    }
    func stepLength(_ a: [Double], _ b: [Double], _ sigma: [Double]) -> Double {
        var m = 0.0
        for i in a.indices { m = max(m, abs(a[i] - b[i]) / sigma[i]) }
        return m
    }

    /// Damped BFGS update (Powell) of the model Hessian B = H_guide(b) + E from two true points (s = b − a,
    /// y = ∇χ²_true(b) − ∇χ²_true(a)); returns the new E = B⁺ − H_guide(b), so the model Hessian stays
    /// positive definite where the guide's is. Skipped for a negligible step.
    func quasiNewtonUpdate(_ e: [Double], from a: Eval, to b: Eval) -> [Double] {
        let p = a.x.count
        let hb = guide.valueGradientHessian(at: b.x).hessian
        var bm = [Double](repeating: 0, count: p * p)
        for i in 0..<(p * p) { bm[i] = hb[i] + e[i] }
        var s = [Double](repeating: 0, count: p), y = s, bs = s
        for i in 0..<p { s[i] = b.x[i] - a.x[i]; y[i] = b.g[i] - a.g[i] }
        for i in 0..<p { var t = 0.0; for j in 0..<p { t += bm[i * p + j] * s[j] }; bs[i] = t }
        let sbs = zip(s, bs).reduce(0) { $0 + $1.0 * $1.1 }
        let sy = zip(s, y).reduce(0) { $0 + $1.0 * $1.1 }
        guard sbs > 0, sbs.isFinite, sy.isFinite else { return e }
        let theta = sy >= 0.2 * sbs ? 1.0 : 0.8 * sbs / (sbs - sy)
        var r = [Double](repeating: 0, count: p)
        for i in 0..<p { r[i] = theta * y[i] + (1 - theta) * bs[i] }
        let sr = zip(s, r).reduce(0) { $0 + $1.0 * $1.1 }
        guard sr > 0 else { return e }
        var out = e
        for i in 0..<p { for j in 0..<p { out[i * p + j] += r[i] * r[j] / sr - bs[i] * bs[j] / sbs + (hb[i * p + j] - hb[i * p + j]) } }
        return out
    }

    /// The model around an accepted point (see the type's documentation).
    /// `residualHessian` (nil: the answer's choice `useResidualHessian`): E is replaced by the residual
    /// Hessian fitted by `ResidualModel` at c (the guide plus a quadratic residual, exact in value and gradient at c).
    func model(_ w: Work, _ c: Eval, residualHessian: Bool? = nil) -> @Sendable ([Double]) -> (value: Double, gradient: [Double], hessian: [Double]) {
        let guide = self.guide
        let gc = guide.valueAndGradient(at: c.x)
        let c0 = c.f - gc.value
        let cg = zip(c.g, gc.gradient).map { $0 - $1 }
        let xc = c.x, p = c.x.count
        let e = (residualHessian ?? w.useResidualHessian) ? (w.residualHessian ?? w.e) : w.e
        return { y in
            var (v, g, h) = guide.valueGradientHessian(at: y)
            var d = [Double](repeating: 0, count: p)
            for i in 0..<p { d[i] = y[i] - xc[i] }
            v += c0
            for i in 0..<p {
                var ed = 0.0
                for j in 0..<p { ed += e[i * p + j] * d[j] }
                v += cg[i] * d[i] + 0.5 * d[i] * ed
                g[i] += cg[i] + ed
            }
            for i in 0..<(p * p) { h[i] += e[i] }
            return (v, g, h)
        }
    }

    /// The answer's quadratic model around an accepted point: c.f + c.gᵀd + ½dᵀBd (d = y − c.x), exact in
    /// value and gradient at c, with the answer's BFGS Hessian B (independent of the guide away from the
    /// scan's minimum; used where the guide extrapolates and predicts the truth worse).
    func quadraticModel(_ w: Work, _ c: Eval) -> @Sendable ([Double]) -> (value: Double, gradient: [Double], hessian: [Double]) {
        let b = w.b, xc = c.x, f = c.f, g0 = c.g, p = c.x.count
        return { y in
            var d = [Double](repeating: 0, count: p)
            for i in 0..<p { d[i] = y[i] - xc[i] }
            var v = f, g = g0
            for i in 0..<p {
                var bd = 0.0
                for j in 0..<p { bd += b[i * p + j] * d[j] }
                v += g0[i] * d[i] + 0.5 * d[i] * bd
                g[i] += bd
            }
            return (v, g, b)
        }
    }

    /// Damped BFGS update (Powell) of a P×P Hessian B from two true points (s = b − a, y = g_b − g_a);
    /// B stays positive definite. Skipped for a negligible step.
    static func dampedBFGS(_ bm: [Double], from a: Eval, to b: Eval) -> [Double] {
        let p = a.x.count
        var s = [Double](repeating: 0, count: p), y = s, bs = s
        for i in 0..<p { s[i] = b.x[i] - a.x[i]; y[i] = b.g[i] - a.g[i] }
        for i in 0..<p { var t = 0.0; for j in 0..<p { t += bm[i * p + j] * s[j] }; bs[i] = t }
        var sbs = 0.0, sy = 0.0
        for i in 0..<p { sbs += s[i] * bs[i]; sy += s[i] * y[i] }
        guard sbs > 0, sbs.isFinite, sy.isFinite else { return bm }
        let theta = sy >= 0.2 * sbs ? 1.0 : 0.8 * sbs / (sbs - sy)
        var r = [Double](repeating: 0, count: p)
        var sr = 0.0
        for i in 0..<p { r[i] = theta * y[i] + (1 - theta) * bs[i]; sr += s[i] * r[i] }
        guard sr > 0 else { return bm }
        var out = bm
        for i in 0..<p { for j in 0..<p { out[i * p + j] += r[i] * r[j] / sr - bs[i] * bs[j] / sbs } }
        return out
    }

    /// The next trial point of an answer, or a note why it is open.
    func solve(_ w: Work, _ c: Eval, target: Double, sigma: [Double]) -> ([Double], String?) {
        let p = c.x.count
        let m = w.useQuadratic ? quadraticModel(w, c) : model(w, c)
        let minimiser = Minimiser(dimension: p, evaluate: m)
        var box = constraints
        for i in 0..<p where !constraints[i].isFixed {
            box[i] = .bounded(lower: max(constraints[i].lower, c.x[i] - w.radius * sigma[i]),
                              upper: min(constraints[i].upper, c.x[i] + w.radius * sigma[i]))
        }
        switch w.kind {
        case .minimum:
            let r = minimiser.minimise(from: c.x, constraints: box)
            return (r.value.isFinite ? r.theta : c.x, nil)
        case .end(let k, let t2, let s):
            let level = target + t2
            func profile(_ a: Double, from y: [Double]) -> (value: Double, slope: Double, theta: [Double]) {
                var cons = box
                cons[k] = .fixed(a)
                var st = y
                st[k] = a
                let r = minimiser.minimise(from: st, constraints: cons)
                return (r.value, m(r.theta).gradient[k], r.theta)
            }
            if w.nuisanceOnly {
                let r = profile(c.x[k], from: c.x)
                return (r.value.isFinite ? r.theta : c.x, nil)
            }
            let lo = box[k].lower, hi = box[k].upper
            var a = c.x[k]
            var (v, slope, y) = profile(a, from: c.x)
            var inner: Double?, outer: Double?
            for _ in 0..<40 {
                guard v.isFinite else { break }
                if abs(v - level) <= 1e-4 * options.epsilon { break }
                if v < level { inner = a } else { outer = a }
                var next: Double
                if slope * s > 0 { next = a + (level - v) / slope } else { next = a + s * (v < level ? 1 : -1) * 0.25 * w.radius * sigma[k] }
                if let i = inner, let o = outer, !(min(i, o) < next && next < max(i, o)) { next = 0.5 * (i + o) }
                next = min(max(next, lo), hi)
                if next == a { break }
                a = next
                (v, slope, y) = profile(a, from: y)
            }
            if !v.isFinite { return (c.x, "the emulator's model is undefined on the way to the end") }
            // The end lies beyond the user's bound: the model and the truth agree that the profile stays below.
            let atBound = (s < 0 && a <= constraints[k].lower) || (s > 0 && a >= constraints[k].upper)
            if atBound, v < level, c.x[k] == a, c.f < level - options.epsilon {
                return (y, "the true profile stays below χ²_min + T² up to the bound \(w.name.split(separator: "/")[1].split(separator: " ")[0]) = \(Fmt.short(a))")
            }
            return (y, nil)
        }
    }

    /// Two directions u (all free parameters ±1 conditional σ, scaled to uᵀHu/2 = 1 in the guide's
    /// Hessian) and the points x ± 0.1·u of a central-difference check.
    func gradientCheckPoints(at x: [Double], sigma: [Double], free: [Bool]) -> [[Double]] {
        var out: [[Double]] = []
        let h = guide.valueGradientHessian(at: x).hessian, p = x.count
        for dir in 0..<2 {
            var u = x.indices.map { i -> Double in free[i] ? sigma[i] * (dir == 0 ? 1 : (i % 2 == 0 ? 1 : -1)) : 0 }
            var q = 0.0
            for i in 0..<p { for j in 0..<p { q += u[i] * h[i * p + j] * u[j] } }
            if q > 0 { u = u.map { $0 / (q / 2).squareRoot() } }
            for sgn in [1.0, -1.0] {
                var y = x
                for i in y.indices { y[i] = constraints[i].clamp(y[i] + sgn * 0.1 * u[i]) }
                out.append(y)
            }
        }
        return out
    }

    /// nil if the oracle's gradient at x agrees with central differences of its values along both check
    /// directions (to 2% of the derivative + 1e-3 χ² units per σ step), else the line saying it does not.
    func gradientCheck(at x: [Double], points: [[Double]], store: RefineStore) -> String? {
        guard let rec = store.record(at: x), let g = rec.gradient, rec.reason == nil else { return nil }
        for dir in 0..<2 {
            let a = points[2 * dir], b = points[2 * dir + 1]
            guard let fa = store.record(at: a), let fb = store.record(at: b), fa.reason == nil, fb.reason == nil else { continue }
            var gu = 0.0
            for i in x.indices { gu += g[i] * (a[i] - b[i]) }
            let fd = fa.chi2 - fb.chi2
            if abs(fd - gu) > 0.02 * max(abs(fd), abs(gu)) + 1e-3 {
                return "the oracle's gradient disagrees with its values (change over a step of Δχ² ≈ 0.04 in the emulator: \(Fmt.short(gu)) by the gradient, "
                    + "\(Fmt.short(fd)) by the values): gradients are not used, finite differences instead"
            }
        }
        return nil
    }

    /// The result: the minimum's and each end's final state and status.
    func assemble(_ works: [Work], evaluations: Int, reused: Int, batches: Int, mode: RefineGradients, messages: [String]) -> RefineResult {
        let names = guide.parameterNames
        let minWork = works[0]
        let minCertified = minWork.phase == .satisfied && minWork.center != nil
        let minF = minWork.center?.f ?? .nan
        var answers: [RefinedAnswer] = []
        for w in works {
            var a = RefinedAnswer(name: w.name, kind: "minimum", parameter: nil, tolerance: 0, side: nil, emulatorValue: w.emulatorValue,
                                  exactValue: nil, halfWidthDifference: nil, theta: w.center?.x ?? [], trueChi2: w.center?.f ?? .nan,
                                  error: .nan, stationarity: w.stationarity, evaluations: w.evaluations, iterations: w.iterations,
                                  status: .notCertified, note: "")
            let own: Bool
            switch w.kind {
            case .minimum:
                a.exactValue = w.center?.f
                a.error = w.center == nil ? .nan : 0
                own = minCertified
            case .end(let k, let t2, let s):
                a.kind = "profile"; a.parameter = names[k]; a.tolerance = t2; a.side = s < 0 ? "lower" : "upper"
                if let c = w.center {
                    a.exactValue = c.x[k]
                    a.error = c.f - minF - t2
                    if let best = minWork.center?.x[k], let ev = w.emulatorValue, abs(c.x[k] - best) > 0 {
                        a.halfWidthDifference = (ev - c.x[k]) / abs(c.x[k] - best)
                    }
                }
                own = w.phase == .satisfied && abs(a.error) <= options.epsilon
            }
            switch w.phase {
            case .open(let why): a.status = .open; a.note = why
            case .stopped(let why): a.status = .notCertified; a.note = why
            case .satisfied, .active:
                if own && minCertified { a.status = .certified }
                else if !minCertified, case .end = w.kind, own { a.note = "the minimum is not certified" }
                else if w.center == nil { a.note = "no true point was accepted" }
                else { a.note = "|Δχ²_true − T²| or the nuisance gradient is above tolerance" }
            }
            answers.append(a)
        }
        return RefineResult(parameterNames: names, answers: answers, evaluations: evaluations, reused: reused, batches: batches,
                            gradients: mode, epsilon: options.epsilon, stationarity: options.stationarity, messages: messages)
    }

    /// Solves A z = b for a symmetric positive-definite n×n A (row-major); nil if A is not positive definite.
    static func choleskySolve(_ a: [Double], _ n: Int, _ b: [Double]) -> [Double]? {
        precondition(a.count == n * n && b.count == n, "choleskySolve: shapes")
        var l = [Double](repeating: 0, count: n * n)
        for j in 0..<n {
            var d = a[j * n + j]
            var k = 0
            while k < j { d -= l[j * n + k] * l[j * n + k]; k += 1 }
            if !(d > 0) || !d.isFinite { return nil }
            let djj = d.squareRoot()
            l[j * n + j] = djj
            var i = j + 1
            while i < n {
                var s = a[i * n + j]
                var q = 0
                while q < j { s -= l[i * n + q] * l[j * n + q]; q += 1 }
                l[i * n + j] = s / djj
                i += 1
            }
        }
        var z = b
        var i = 0
        while i < n {
            var s = z[i]
            var k = 0
            while k < i { s -= l[i * n + k] * z[k]; k += 1 }
            z[i] = s / l[i * n + i]
            i += 1
        }
        i = n - 1
        while i >= 0 {
            var s = z[i]
            var k = i + 1
            while k < n { s -= l[k * n + i] * z[k]; k += 1 }
            z[i] = s / l[i * n + i]
            i -= 1
        }
        return z
    }
}
