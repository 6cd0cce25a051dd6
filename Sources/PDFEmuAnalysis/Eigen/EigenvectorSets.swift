import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory
/// Builds Hessian eigenvector sets of any `ScalarModel`: the minimum and Hessian come from `ScanRunner`,
/// each end θ₀ ± t·d_k is located by walking outward and root finding on Δχ²(t) − T² itself.
package enum EigenvectorSets {
    /// Computes the set. `quantityModels` are further derived quantities (e.g. a second emulator's
    /// value) for the master formulas. Throws one line for bad options (T² ≤ 0, unknown names, a Hessian
    /// that is not positive definite at the minimum).
    package static func compute(model: any ScalarModel, options: EigenOptions, quantityModels: [LagrangeModel] = [],
                               modelIdentity: String? = nil) throws -> EigenvectorSetResult {
        try options.validate()
        if let dyn = options.dynamic { _ = try DynamicTolerance.pointCounts(model: model, options: dyn) }
        let names = model.parameterNames
        var so = options.scan
        so.profileParameters = []
        so.contours = []
        so.mcmc = nil
        so.shard = nil
        so.tolerances = [options.tolerance]
        let freeNames = names.filter { so.fixed[$0] == nil }
        let texts = options.quantities ?? freeNames
        let expressions = try texts.map { try LinearExpression(parsing: $0, parameterNames: names) }
        so.lagrangeExpressions = options.lagrange ? texts : []
        let scan = try ScanRunner.run(model: model, options: so, lagrangeModels: options.lagrange ? quantityModels : [],
                                      modelIdentity: modelIdentity)
        for m in quantityModels where m.model.parameterNames != names {
            throw PDFEmuError(.input(m.label), "parameter names differ from the χ² model's")
        }
        let theta0 = scan.minimum.theta
        var basis = try EigenBasis.hessian(scan.hessian, parameterCount: names.count)
        if options.iterate {
            basis = try basis.iterated(model: model, centre: theta0, scale: options.tolerance.squareRoot(),
                                       maxIterations: options.maxIterations)
        }
        let (lower, upper) = allowedRange(model: model, constraints: scan.minimum.constraints)
        let t = options.tolerance.squareRoot()
        let chi2min = scan.minimum.chi2
        let directions = Parallel.map(basis.directions.count) { k -> EigenDirection in
            let d = basis.directions[k]
            let ends = [1, -1].map { sign -> EigenEnd in
                let dir = d.map { Double(sign) * $0 }
                return end(model: model, centre: theta0, direction: dir, sign: sign, level: options.tolerance, quadratic: t,
                           chi2min: chi2min, limit: RayCrossing.limit(centre: theta0, direction: dir, lower: lower, upper: upper))
            }
            return EigenDirection(index: k + 1, direction: d, eigenvalue: basis.eigenvalues[k], plus: ends[0], minus: ends[1])
        }
        var warnings = scan.minimum.warnings + basis.warnings
        for dir in directions {
            for e in [dir.plus, dir.minus] {
                let side = "direction \(dir.index)\(e.sign > 0 ? "+" : "−")"
                if let why = e.openReason { warnings.append("\(side): open end, \(why)") } else if !e.inside {
                    warnings.append("\(side): the end lies outside the training region")
                }
            }
        }
        let members = EigenDirection.members(central: theta0, directions.map { ($0.plus.theta, $0.minus.theta) })
        let derived: [DerivedQuantity] = expressions.map { .linear($0) } + quantityModels.map { .model(label: $0.label, model: $0.model) }
        let quantities = derived.enumerated().map { j, q -> MasterUncertainty in
            let values = members.map { $0[0].isNaN ? Double.nan : q.value(at: $0) }
            let interval = options.lagrange && j < scan.lagrange.count ? scan.lagrange[j].intervals.first : nil
            return MasterUncertainty.compute(name: q.definition, values: values, lagrange: interval)
        }
        var result = EigenvectorSetResult(parameterNames: names, experimentNames: model.experimentNames, tolerance: options.tolerance,
                                          minimum: scan.minimum, hessian: scan.hessian, basis: basis, directions: directions,
                                          quantities: quantities, dynamic: nil, warnings: warnings + scan.lagrange.flatMap(\.warnings))
        if let dyn = options.dynamic {
            result.dynamic = try DynamicTolerance.compute(model: model, set: result, options: dyn, quantities: derived)
        }
        return result
    }

    /// Tolerance on |Δχ² − T²| of a located end.
    static func endTolerance(_ level: Double) -> Double { 1e-6 * max(1, level) }

    /// The end along `direction` from `centre` (already signed): first crossing of Δχ² = `level`.
    static func end(model: any ScalarModel, centre: [Double], direction: [Double], sign: Int, level: Double, quadratic: Double,
                    chi2min: Double, limit: Double) -> EigenEnd {
        func point(_ s: Double) -> [Double] { zip(centre, direction).map { $0 + s * $1 } }
        let atQuadratic = quadratic <= limit ? model.value(at: point(quadratic)) - chi2min : .nan
        let out = RayCrossing.first(g0: -level, start: 0.5 * quadratic, limit: limit, tolerance: endTolerance(level)) {
            model.value(at: point($0)) - chi2min - level
        }
        guard let s = out.t else {
            return EigenEnd(sign: sign, distance: nil, quadraticDistance: quadratic, deltaChi2AtQuadratic: atQuadratic,
                            deltaChi2: nil, theta: nil, inside: false, openReason: out.openReason)
        }
        let theta = point(s)
        return EigenEnd(sign: sign, distance: s, quadraticDistance: quadratic, deltaChi2AtQuadratic: atQuadratic,
                        deltaChi2: model.value(at: theta) - chi2min, theta: theta, inside: model.isInsideTrainingRegion(theta),
                        openReason: nil)
    }

    /// The box a line search may move in: the parameters' bounds intersected with the training box
    /// (when the model has a training region).
    static func allowedRange(model: any ScalarModel, constraints: [ParameterConstraint]) -> (lower: [Double], upper: [Double]) {
        var lower = constraints.map(\.lower), upper = constraints.map(\.upper)
        if let r = model.trainingRegion {
            for i in lower.indices { lower[i] = max(lower[i], r.trainingLower[i]); upper[i] = min(upper[i], r.trainingUpper[i]) }
        }
        return (lower, upper)
    }
}
