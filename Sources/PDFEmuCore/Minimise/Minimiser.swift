/// Settings of the Newton minimiser.
package struct MinimiserOptions: Sendable, Codable, Equatable {
    /// Most Newton iterations per minimisation.
    package var maxIterations: Int
    /// Converged when the expected decrease ½·gᵀH⁻¹g (χ² units, free parameters off their bounds)
    /// falls below this, with H positive definite.
    package var edmTolerance: Double
    /// When no step lowers the value any more (precision limit of the model), the result still
    /// counts as converged if the expected decrease is below this.
    package var stallEDMTolerance: Double
    /// Creates options (defaults: 200 iterations, EDM 1e-7, stall EDM 1e-4).
    package init(maxIterations: Int = 200, edmTolerance: Double = 1e-7, stallEDMTolerance: Double = 1e-4) {
        self.maxIterations = maxIterations
        self.edmTolerance = edmTolerance
        self.stallEDMTolerance = stallEDMTolerance
    }
}

/// The outcome of one minimisation.
package struct MinimiserResult: Sendable, Codable, Equatable {
    /// The point reached (all parameters, fixed ones at their values).
    package var theta: [Double]
    /// The value there.
    package var value: Double
    /// True if the convergence criterion was met.
    package var converged: Bool
    /// Newton iterations done.
    package var iterations: Int
    /// Model evaluations (value, gradient and Hessian each).
    package var evaluations: Int
    /// Expected further decrease ½·gᵀH⁻¹g at the end (∞ if H was not positive definite).
    package var edm: Double
    /// Indices of parameters sitting at a bound.
    package var atBound: [Int]
    /// Why it stopped.
    package var status: MinimiserStatus
}

/// Several minimisations from different starts, and the best one.
package struct MultiStartResult: Sendable, Codable, Equatable {
    /// The lowest converged result (the lowest of all if none converged).
    package var best: MinimiserResult
    /// Index of `best` among the starts.
    package var bestIndex: Int
    /// Every start's result, in start order.
    package var all: [MinimiserResult]
}

/// Bounded Newton minimiser with Levenberg–Marquardt damping and projected bounds, using exact
/// gradients and Hessians. Each iteration solves the Newton system on the free parameters that are
/// not held at a bound (a parameter at a bound whose gradient pushes outward is held there);
/// steps are projected into the bounds and accepted by the ratio of actual to predicted decrease.
package struct Minimiser: Sendable {
    /// Number of parameters.
    package let dimension: Int
    /// Settings.
    package var options: MinimiserOptions
    let evaluate: @Sendable ([Double]) -> (value: Double, gradient: [Double], hessian: [Double])

    /// A minimiser of `model`'s value.
    package init(model: any ScalarModel, options: MinimiserOptions = MinimiserOptions()) {
        self.dimension = model.parameterNames.count
        self.options = options
        self.evaluate = { model.valueGradientHessian(at: $0) }
    }

    /// A minimiser of any function with exact gradient and Hessian (P×P row-major).
    package init(dimension: Int, options: MinimiserOptions = MinimiserOptions(),
                evaluate: @escaping @Sendable ([Double]) -> (value: Double, gradient: [Double], hessian: [Double])) {
        self.dimension = dimension
        self.options = options
        self.evaluate = evaluate
    }

    /// Minimises from `start` under `constraints` (one per parameter).
    package func minimise(from start: [Double], constraints: [ParameterConstraint]) -> MinimiserResult {
        let p = dimension
        precondition(start.count == p && constraints.count == p, "minimiser: dimension mismatch")
        var lo = [Double](repeating: 0, count: p), hi = lo
        var free = [Bool](repeating: true, count: p)
        var theta = start
        for i in 0..<p {
            lo[i] = constraints[i].lower
            hi[i] = constraints[i].upper
            free[i] = !constraints[i].isFixed
            theta[i] = constraints[i].clamp(theta[i])
        }
        var (f, g, h) = evaluate(theta)
        var evaluations = 1
        if !f.isFinite {
            return MinimiserResult(theta: theta, value: f, converged: false, iterations: 0, evaluations: 1,
                                   edm: .infinity, atBound: [], status: .nonFiniteStart)
        }
        var a = [Double](repeating: 0, count: p * p)
        var x = [Double](repeating: 0, count: p)
        var newton = [Double](repeating: 0, count: p)
        var idx = [Int](repeating: 0, count: p)
        var trial = theta
        var mu = 0.0
        var iterations = 0
        var edm = Double.infinity
        var converged = false
        var status = MinimiserStatus.iterationLimit
        let muMax = 1e14

        outer: while iterations < options.maxIterations {
            iterations += 1
            // Active set: free parameters not pinned at a bound by an outward gradient.
            var m = 0
            for i in 0..<p where free[i] {
                if (theta[i] <= lo[i] && g[i] > 0) || (theta[i] >= hi[i] && g[i] < 0) { continue }
                idx[m] = i; m += 1
            }
            if m == 0 { edm = 0; converged = true; status = .convergedAtBounds; break }
            // Undamped Newton step and expected decrease.
            var maxDiag = 0.0
            for r in 0..<m { maxDiag = max(maxDiag, abs(h[idx[r] * p + idx[r]])) }
            let pdNewton = a.withUnsafeMutableBufferPointer { ab -> Bool in
                fill(ab.baseAddress!, h, idx, m, p, mu: 0, floor: 0)
                guard DenseCholesky.factor(ab.baseAddress!, m) else { return false }
                newton.withUnsafeMutableBufferPointer { nb in
                    for r in 0..<m { nb[r] = -g[idx[r]] }
                    DenseCholesky.solve(ab.baseAddress!, m, nb.baseAddress!)
                }
                return true
            }
            if pdNewton {
                var s = 0.0
                for r in 0..<m { s -= g[idx[r]] * newton[r] }
                edm = 0.5 * s
                if edm < options.edmTolerance { converged = true; status = .converged; break }
            } else {
                edm = .infinity
                if mu == 0 { mu = 1e-4 }
            }
            // Damped step, retried with more damping until the value decreases.
            while true {
                if mu == 0 {
                    for r in 0..<m { x[r] = newton[r] }
                } else {
                    let ok = a.withUnsafeMutableBufferPointer { ab -> Bool in
                        fill(ab.baseAddress!, h, idx, m, p, mu: mu, floor: max(maxDiag, 1) * 1e-8)
                        guard DenseCholesky.factor(ab.baseAddress!, m) else { return false }
                        x.withUnsafeMutableBufferPointer { xb in
                            for r in 0..<m { xb[r] = -g[idx[r]] }
                            DenseCholesky.solve(ab.baseAddress!, m, xb.baseAddress!)
                        }
                        return true
                    }
                    if !ok {
                        mu *= 4
                        if mu > muMax { status = .stalledNotPositiveDefinite; break outer }
                        continue
                    }
                }
                for i in 0..<p { trial[i] = theta[i] }
                for r in 0..<m { let i = idx[r]; trial[i] = min(max(theta[i] + x[r], lo[i]), hi[i]) }
                // Predicted decrease of the quadratic model for the projected step.
                var lin = 0.0, quad = 0.0
                for r in 0..<m {
                    let i = idx[r]
                    let si = trial[i] - theta[i]
                    lin += g[i] * si
                    var hs = 0.0
                    for c in 0..<m { let j = idx[c]; hs += h[i * p + j] * (trial[j] - theta[j]) }
                    quad += si * hs
                }
                let predicted = -(lin + 0.5 * quad)
                if !(predicted > 0) {
                    mu = mu == 0 ? 1e-4 : mu * 4
                    if mu > muMax { status = .stalledNoDescent; break outer }
                    continue
                }
                let (f2, g2, h2) = evaluate(trial)
                evaluations += 1
                let rho = (f - f2) / predicted
                if f2.isFinite && f2 < f && rho > 1e-4 {
                    theta = trial; f = f2; g = g2; h = h2
                    if rho > 0.75 { mu = mu < 1e-10 ? 0 : mu / 4 } else if rho < 0.25 { mu = max(mu * 2, 1e-6) }
                    break
                }
                // Predicted gain below the stall tolerance, not delivered: the model's precision limit.
                if pdNewton && edm < options.stallEDMTolerance { status = .stalledNoDecrease; break outer }
                mu = mu == 0 ? 1e-4 : mu * 4
                if mu > muMax { status = .stalledNoDecrease; break outer }
            }
        }
        if !converged && status.isStalled && edm < options.stallEDMTolerance {
            converged = true
            status = .convergedAtPrecisionLimit
        }
        var atBound: [Int] = []
        for i in 0..<p where free[i] && (theta[i] <= lo[i] || theta[i] >= hi[i]) { atBound.append(i) }
        return MinimiserResult(theta: theta, value: f, converged: converged, iterations: iterations,
                               evaluations: evaluations, edm: edm, atBound: atBound, status: status)
    }

    /// Minimises from each start (in parallel) and keeps the lowest converged result
    /// (ties: the earliest start).
    package func minimiseMultiStart(from starts: [[Double]], constraints: [ParameterConstraint]) -> MultiStartResult {
        precondition(!starts.isEmpty, "minimiser: no starts")
        let all = Parallel.map(starts.count) { minimise(from: starts[$0], constraints: constraints) }
        var best = -1
        for (i, r) in all.enumerated() where r.converged && r.value.isFinite {
            if best < 0 || r.value < all[best].value { best = i }
        }
        if best < 0 {
            for (i, r) in all.enumerated() where best < 0 || r.value < all[best].value || !all[best].value.isFinite {
                best = i
            }
        }
        return MultiStartResult(best: all[best], bestIndex: best, all: all)
    }

    /// Copies the active block of `h` into `a` (m×m), adding Marquardt damping mu·max(|H_ii|, floor).
    @inline(__always)
    private func fill(_ a: UnsafeMutablePointer<Double>, _ h: [Double], _ idx: [Int], _ m: Int, _ p: Int,
                      mu: Double, floor: Double) {
        h.withUnsafeBufferPointer { hb in
            idx.withUnsafeBufferPointer { ib in
                for r in 0..<m {
                    let i = ib[r]
                    for c in 0..<m { a[r * m + c] = hb[i * p + ib[c]] }
                    if mu > 0 { a[r * m + r] += mu * max(abs(hb[i * p + i]), floor) }
                }
            }
        }
    }
}
