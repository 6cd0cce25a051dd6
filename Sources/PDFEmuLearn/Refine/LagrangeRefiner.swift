import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuAnalysis

/// Affine coordinates y of the parameters θ in which refine solves an answer that is not a profile end of
/// one parameter (a Lagrange end, a contour vertex) as a profile end of one coordinate.
package protocol RefineCoordinates: Sendable {
    /// Names of θ (P entries).
    var thetaNames: [String] { get }
    /// Names of y (P entries, unique).
    var names: [String] { get }
    /// y of θ (P entries each).
    func y(_ theta: [Double]) -> [Double]
    /// θ of y (P entries each).
    func theta(_ y: [Double]) -> [Double]
    /// ∇_y = Jᵀ∇_θ (J = ∂θ/∂y; P entries).
    func gradient(_ g: [Double]) -> [Double]
    /// ∇²_y = JᵀHJ (P×P row-major) for H = ∇²_θ.
    func hessian(_ h: [Double]) -> [Double]
}

/// Affine coordinates in which a linear quantity q(θ) = c + aᵀθ is a coordinate: y = θ except
/// y_k = q(θ), for one free parameter k with a_k ≠ 0 (θ_k = (y_k − c − Σ_{i≠k} a_i y_i)/a_k). The
/// constraint surface q(θ) = q₁ is then y_k = q₁, so a Lagrange end is a profile end of y_k, and the
/// nuisance gradient in y (∂χ²/∂y_i = g_i − g_k a_i/a_k) is the true gradient projected along the
/// surface: it vanishes exactly where g ∥ a (the Lagrange condition).
package struct LagrangeCoordinates: RefineCoordinates, Equatable {
    /// The parameter whose coordinate becomes q (index into the parameter list).
    package let k: Int
    /// a: the coefficient of each parameter (P entries).
    package let coefficients: [Double]
    /// c: the constant term.
    package let constant: Double
    /// Names of θ (P entries).
    package let thetaNames: [String]
    /// Names of y: θ's with entry k replaced by the quantity's name (P entries, unique).
    package let names: [String]

    /// Chooses k among the free parameters with a_k ≠ 0: an unbounded one if there is one (the bounds
    /// of θ_k are not bounds of y), then the largest |a_k|·σ_k (σ: Hessian errors, P entries; NaN or 0
    /// counts as 1). Throws naming the scan if q depends on no free parameter.
    package init(expression: LinearExpression, name: String, parameterNames: [String], constraints: [ParameterConstraint],
                 sigma: [Double]) throws(SettingError) {
        let a = expression.coefficients
        let candidates = a.indices.filter { a[$0] != 0 && !constraints[$0].isFixed }
        guard !candidates.isEmpty else {
            throw SettingError(.refineScan, "lagrange \(name) (\(expression.text)) depends on no free parameter")
        }
        func unbounded(_ i: Int) -> Bool { constraints[i].lower == -.infinity && constraints[i].upper == .infinity }
        func weight(_ i: Int) -> Double {
            let s = sigma.indices.contains(i) && sigma[i].isFinite && sigma[i] > 0 ? sigma[i] : 1
            return abs(a[i]) * s
        }
        var best = candidates[0]
        for i in candidates.dropFirst() {
            if unbounded(i) != unbounded(best) { if unbounded(i) { best = i }; continue }
            if weight(i) > weight(best) { best = i }
        }
        k = best
        coefficients = a
        constant = expression.constant
        thetaNames = parameterNames
        var yName = name
        while parameterNames.contains(yName) { yName = "lagrange:" + yName }
        var n = parameterNames
        n[best] = yName
        names = n
    }

    /// y of θ (P entries each).
    package func y(_ theta: [Double]) -> [Double] {
        var y = theta
        var q = constant
        for i in theta.indices { q += coefficients[i] * theta[i] }
        y[k] = q
        return y
    }

    /// θ of y (P entries each).
    package func theta(_ y: [Double]) -> [Double] {
        var t = y
        var s = y[k] - constant
        for i in y.indices where i != k { s -= coefficients[i] * y[i] }
        t[k] = s / coefficients[k]
        return t
    }

    /// w = row k of ∂θ/∂y less e_k: ∂θ/∂y = I + e_k wᵀ.
    var w: [Double] {
        var w = coefficients.map { -$0 / coefficients[k] }
        w[k] = 1 / coefficients[k] - 1
        return w
    }

    /// ∇_y χ² = Jᵀ∇_θ χ² (J = ∂θ/∂y; P entries).
    package func gradient(_ g: [Double]) -> [Double] {
        let w = self.w, gk = g[k]
        return g.indices.map { g[$0] + w[$0] * gk }
    }

    /// ∇²_y χ² = Jᵀ H J (P×P row-major) for H = ∇²_θ χ².
    package func hessian(_ h: [Double]) -> [Double] {
        let p = coefficients.count, w = self.w, hkk = h[k * p + k]
        var out = h
        for i in 0..<p {
            for j in 0..<p {
                out[i * p + j] += h[i * p + k] * w[j] + w[i] * h[k * p + j] + hkk * w[i] * w[j]
            }
        }
        return out
    }

    /// The constraints of y: θ's, with y_k free (θ_k's bounds are checked on the answers instead).
    package func constraints(_ c: [ParameterConstraint]) -> [ParameterConstraint] {
        var out = c
        out[k] = .free
        return out
    }
}

/// A model seen in `RefineCoordinates` (value, gradient and Hessian transformed exactly).
package struct RefineCoordinateModel: ScalarModel {
    /// The model in θ.
    let base: any ScalarModel
    /// The coordinates.
    let coordinates: any RefineCoordinates

    /// The model `base` in the coordinates y.
    package init(base: any ScalarModel, coordinates: any RefineCoordinates) { self.base = base; self.coordinates = coordinates }

    /// y's names.
    package var parameterNames: [String] { coordinates.names }
    /// The base model's experiments.
    package var experimentNames: [String] { base.experimentNames }
    /// The base model's starts, in y.
    package var startingPoints: [[Double]] { base.startingPoints.map(coordinates.y) }
    /// The base model's spread status.
    package var spreadStatus: SpreadStatus { base.spreadStatus }
    /// The value at y.
    package func value(at y: [Double]) -> Double { base.value(at: coordinates.theta(y)) }
    /// Value and y-gradient at y.
    package func valueAndGradient(at y: [Double]) -> (value: Double, gradient: [Double]) {
        let r = base.valueAndGradient(at: coordinates.theta(y))
        return (r.value, coordinates.gradient(r.gradient))
    }
    /// Value, y-gradient and y-Hessian (P×P) at y.
    package func valueGradientHessian(at y: [Double]) -> (value: Double, gradient: [Double], hessian: [Double]) {
        let r = base.valueGradientHessian(at: coordinates.theta(y))
        return (r.value, coordinates.gradient(r.gradient), coordinates.hessian(r.hessian))
    }
    /// The base model's prediction at θ(y).
    package func prediction(at y: [Double]) -> Prediction { base.prediction(at: coordinates.theta(y)) }
    /// The base model's batch at θ of each row ([N, P] row-major).
    package func predictBatch(_ points: [Double]) -> BatchPrediction { predictBatch(points, perExperiment: true) }
    /// The base model's batch at θ of each row ([N, P] row-major).
    package func predictBatch(_ points: [Double], perExperiment: Bool) -> BatchPrediction {
        let p = coordinates.names.count, n = points.count / p
        var rows: [Double] = []
        rows.reserveCapacity(points.count)
        for i in 0..<n { rows += coordinates.theta(Array(points[(i * p)..<((i + 1) * p)])) }
        return base.predictBatch(rows, perExperiment: perExperiment)
    }
}

/// An oracle asked in `RefineCoordinates`: each point is sent in θ (the inner oracle's names), and an
/// exact gradient that covers every θ parameter comes back as the y-gradient (otherwise none).
package struct RefineCoordinateOracle: ChiSquareOracle {
    /// The oracle in θ.
    let inner: any ChiSquareOracle
    /// The coordinates.
    let coordinates: any RefineCoordinates

    /// The oracle `inner` in the coordinates y.
    package init(inner: any ChiSquareOracle, coordinates: any RefineCoordinates) { self.inner = inner; self.coordinates = coordinates }

    /// The inner oracle's label.
    package var label: String { inner.label }
    /// nil: the inner oracle's names were checked against θ's by the refiner that made it.
    package var parameterNames: [String]? { nil }
    /// Values (and no gradient) at every point.
    package func evaluate(_ points: OraclePoints) throws(OracleError) -> OracleResult { try evaluate(points, gradients: false) }
    /// Values, and the y-gradient when asked and the inner oracle gives one over every θ parameter.
    package func evaluate(_ points: OraclePoints, gradients: Bool) throws(OracleError) -> OracleResult {
        let p = coordinates.names.count
        var rows: [Double] = []
        rows.reserveCapacity(points.values.count)
        let yCols = try points.columns(coordinates.names)
        for i in 0..<points.count { rows += coordinates.theta(Array(yCols[(i * p)..<((i + 1) * p)])) }
        let thetaPoints = try OraclePoints(parameterNames: coordinates.thetaNames, values: rows)
        let r = try inner.evaluate(thetaPoints, gradients: gradients)
        var out = try OracleResult(chi2: r.chi2, experimentNames: r.experimentNames, chi2PerExperiment: r.chi2PerExperiment,
                                   reasons: r.undefinedReasons)
        if r.gradient != nil {
            let cols = coordinates.thetaNames.compactMap { r.gradientNames.firstIndex(of: $0) }
            if cols.count == p {
                var g: [Double] = []
                g.reserveCapacity(r.count * p)
                for i in 0..<r.count {
                    let row = r.gradient(row: i)!
                    let gt = cols.map { row[$0] }
                    g += r.isDefined(i) ? coordinates.gradient(gt) : [Double](repeating: .nan, count: p)
                }
                try out.setGradient(g, names: coordinates.names)
            }
        }
        return out
    }
    /// The inner oracle's provenance.
    package var provenance: Provenance { inner.provenance }
}

/// Solves a scan's Lagrange ends on the true χ²: for each Lagrange scan of a linear expression q and
/// each T², the values q₁ where min_θ{χ²_true : q(θ) = q₁} = χ²_min + T², with the same method,
/// certificate and store as `Refiner`'s profile ends — the ends are profile ends of the coordinate
/// y_k = q in `LagrangeCoordinates`, and their stationarity is that of the true gradient projected
/// along the surface q = q₁ (in the guide's Hessian metrics transformed to y). Each Lagrange scan is one
/// `Refiner` run in its coordinates started from refine's minimum (re-certified there: P + 3 values in
/// values mode); all its answers' points of an iteration go to the oracle as one batch. A Lagrange scan of
/// a second model's value (`--lagrange-emulator`) is reported open: refine has no true value of it.
package struct LagrangeRefiner: Sendable {
    /// The guide (the emulator) in θ.
    package let guide: any ScalarModel
    /// The scan whose Lagrange scans are refined.
    package let scan: ScanResult
    /// The true χ² in θ.
    package let oracle: any ChiSquareOracle
    /// One constraint per parameter (the scan's, with the user's bounds).
    package let constraints: [ParameterConstraint]
    /// Settings (the budget is shared: see `run(after:store:progress:)`).
    package let options: RefineOptions

    /// Creates a refiner; throws naming the setting as `Refiner.init` does.
    package init(guide: any ScalarModel, scan: ScanResult, oracle: any ChiSquareOracle,
                 constraints: [ParameterConstraint]? = nil, options: RefineOptions = RefineOptions()) throws(SettingError) {
        let cons = try Refiner.validate(guide: guide, scan: scan, oracle: oracle, constraints: constraints, options: options)
        self.guide = guide; self.scan = scan; self.oracle = oracle; self.constraints = cons; self.options = options
    }

    /// `main` (refine's result for the minimum and the profile ends) with every Lagrange end of the scan
    /// appended (kind `lagrange`, parameter the scan's name qK, theta in θ), the evaluations, batches and
    /// messages added. The budget left by `main` (`options.budget` − evaluations − reused) is shared by the
    /// Lagrange scans in order. `store(name, yNames)` gives each Lagrange scan's store (its points are in
    /// its coordinates; nil: memory only). Throws the oracle's error or a `SettingError` naming the scan.
    package func run(after main: RefineResult, store: (String, [String]) throws -> RefineStore? = { _, _ in nil },
                     progress: (String) -> Void = { _ in }) throws -> RefineResult {
        var out = main
        guard !scan.lagrange.isEmpty else { return out }
        let minimum = main.answers.first { $0.kind == "minimum" }
        for l in scan.lagrange {
            let left = options.budget - out.evaluations - out.reused
            let r = try run(l, minimum: minimum, budget: left, store: store, progress: progress)
            out.answers += r.answers.filter { $0.kind == "lagrange" }
            out.addCost(of: r, label: "lagrange \(l.name)")
            if let m = r.answers.first(where: { $0.kind == "minimum" }), let m0 = minimum, m0.trueChi2.isFinite,
               m.trueChi2 < m0.trueChi2 - options.epsilon {
                out.messages.append("lagrange \(l.name): its run found a lower minimum χ² = \(Fmt.fixed(m.trueChi2, 4)) "
                                    + "(Δ = \(Fmt.fixed(m.trueChi2 - m0.trueChi2, 4))); its ends are measured from it, the profile ends are not")
            }
        }
        return out
    }

    /// One Lagrange scan's ends (and its run's minimum, kind `minimum`), from `minimum` (nil or without a
    /// point: the scan's minimum), with at most `budget` evaluations.
    func run(_ l: LagrangeResult, minimum: RefinedAnswer?, budget: Int, store: (String, [String]) throws -> RefineStore?,
             progress: (String) -> Void) throws -> RefineResult {
        let names = guide.parameterNames
        func ends(status: RefineStatus, note: String) -> RefineResult {
            var answers: [RefinedAnswer] = []
            for interval in l.intervals {
                for (side, v) in [("lower", interval.lower), ("upper", interval.upper)] {
                    answers.append(RefinedAnswer(name: "lagrange/\(l.name) T2=\(Fmt.short(interval.tolerance)) \(side)", kind: "lagrange",
                                                 parameter: l.name, tolerance: interval.tolerance, side: side, emulatorValue: v,
                                                 exactValue: nil, halfWidthDifference: nil, theta: [], trueChi2: .nan, error: .nan,
                                                 stationarity: .nan, evaluations: 0, iterations: 0, status: status, note: note))
                }
            }
            return RefineResult(parameterNames: names, answers: answers, evaluations: 0, reused: 0, batches: 0,
                                gradients: options.gradients, epsilon: options.epsilon, stationarity: options.stationarity, messages: [])
        }
        if l.definition.hasPrefix("model:") {
            return ends(status: .open, note: "q is a second model's value (\(l.definition)): refine solves Lagrange ends of linear expressions only")
        }
        let expression: LinearExpression
        do { expression = try LinearExpression(parsing: l.definition, parameterNames: names) } catch {
            throw SettingError(.refineScan, "lagrange \(l.name): \(userMessage(error))")
        }
        if budget < 1 { return ends(status: .notCertified, note: "the budget of \(options.budget) evaluations is spent") }
        let sigma = names.indices.map { scan.hessian.sigma(ofParameter: $0) ?? .nan }
        let coords = try LagrangeCoordinates(expression: expression, name: l.name, parameterNames: names, constraints: constraints, sigma: sigma)
        let yCons = coords.constraints(constraints)
        let start = Refiner.start(from: minimum, scan: scan)
        // The scan in y: its minimum refine's, one profile (of y_k = q) with the Lagrange path as its grid.
        let order = l.q.indices.sorted { l.q[$0] < l.q[$1] }
        let profile = ProfileResult.path(parameter: coords.names[coords.k], index: coords.k, best: l.best, values: order.map { l.q[$0] },
                                         deltaChi2: order.map { l.deltaChi2[$0] }, theta: order.map { coords.y(l.theta[$0]) },
                                         intervals: l.intervals)
        var o = options
        o.budget = budget
        let r = try Refiner.runInCoordinates(coords, guide: guide, scan: scan, oracle: oracle, yConstraints: yCons, start: start,
                                             profile: profile, options: o, wholeBudget: options.budget, label: "lagrange \(l.name)",
                                             store: try store(l.name, coords.names), progress: progress)
        var out = r
        out.answers = r.answers.map { a in
            var b = a
            guard a.kind == "profile" else { b.name = "lagrange/\(l.name) minimum"; return b }
            b.kind = "lagrange"
            b.parameter = l.name
            b.name = "lagrange/\(l.name) T2=\(Fmt.short(a.tolerance)) \(a.side ?? "")"
            let c = constraints[coords.k]
            if !b.theta.isEmpty, b.status != .open, b.theta[coords.k] < c.lower || b.theta[coords.k] > c.upper {
                b.status = .open
                b.note = "the end lies beyond the bound of \(names[coords.k]) (\(c.label)), which every parameter of q has"
            }
            return b
        }
        return out
    }
}
