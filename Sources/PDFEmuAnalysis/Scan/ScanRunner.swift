import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory

/// Runs a scan of any `ScalarModel`: the global minimum, Hessian errors, then the work units
/// (1D profiles, 2D contours, Lagrange scans) in parallel on all cores.
package enum ScanRunner {
    /// Runs the scan. `lagrangeModels` are scanned after the option's expressions; `modelIdentity`
    /// (e.g. a hash of the model file) goes into the run id (default: a fingerprint of the model).
    /// Throws one line for bad options (unknown names, T² ≤ 0, a pair naming one parameter twice,
    /// expressions with unknown names, a second model with other parameter names, MCMC settings).
    /// MCMC runs (after the other units, one at a time, each using all cores) report to `mcmcProgress`
    /// with the run number, the number of runs in this shard, and the sampler's progress.
    package static func run(model: any ScalarModel, options: ScanOptions, lagrangeModels: [LagrangeModel] = [],
                           modelIdentity: String? = nil,
                           mcmcProgress: ((_ run: Int, _ runs: Int, MCMCProgress) -> Void)? = nil) throws -> ScanResult {
        let start = DispatchTime.now().uptimeNanoseconds
        let plan = try resolvePlan(model: model, options: options, lagrangeModels: lagrangeModels)
        let names = model.parameterNames
        var idOptions = options
        idOptions.shard = nil
        let runID = RunIdentity.hash([modelIdentity ?? RunIdentity.fingerprint(model), try Fmt.json(idOptions)]
                                     + lagrangeModels.map { $0.label + ":" + $0.identity })
        let minimiser = Minimiser(model: model, options: options.minimiser)
        var starts = try startMinima(model: model, minimiser: minimiser, constraints: plan.constraints, starts: options.starts)
        var minimum = try summarise(model: model, constraints: plan.constraints, results: starts.all, best: starts.best)
        let mine = plan.units.indices.filter { options.shard?.owns($0) ?? true }
        let mineChains: [Int] = mine.compactMap { if case .mcmc(let c) = plan.units[$0] { return c } else { return nil } }
        let others = mine.filter { plan.units[$0].kind != .mcmc }
        var notes: [String] = []
        var work = WorkCount()
        var unitNanos: UInt64 = 0
        var restarts = 0
        var ctx: ScanContext
        var outputs: [(ScanUnitOutput, WorkCount)]
        // The units, restarted from a lower minimum when one of them finds one (as MINOS does).
        while true {
            let hessian = try HessianAnalysis.analyse(model: model, at: minimum.theta, constraints: plan.constraints,
                                                      tolerances: options.tolerances)
            ctx = ScanContext(model: model, minimiser: minimiser, minimum: minimum, hessian: hessian,
                              constraints: plan.constraints, options: options)
            let unitStart = DispatchTime.now().uptimeNanoseconds
            let c = ctx
            outputs = Parallel.map(others.count) { j in
                switch plan.units[others[j]] {
                case .profile(let a):
                    let (r, w) = Profile1D.compute(c, parameter: a); return (.profile(r), w)
                case .contour(let a, let b):
                    let (r, w) = Contour2D.compute(c, a: a, b: b); return (.contour(r), w)
                case .lagrange(let k):
                    let (r, w) = LagrangeScan.compute(c, quantity: plan.quantities[k], name: LagrangeScan.name(k)); return (.lagrange(r), w)
                case .mcmc:
                    preconditionFailure("MCMC units run below")
                }
            }
            unitNanos += DispatchTime.now().uptimeNanoseconds - unitStart
            for (_, w) in outputs { work.add(w) }
            guard let low = ctx.lowerPoints.lowest else { break }
            let r = minimiser.minimise(from: low.theta, constraints: plan.constraints)
            let found = "a lower χ² than the minimum's was found in \(low.source) (Δχ² = \(Fmt.fixed(low.chi2 - minimum.chi2, 3)))"
            let atUserBound = r.atBound.filter { options.bounds[names[$0]] != nil }
            if !(r.value.isFinite && r.value < minimum.chi2 - ScanContext.lowerMinimumTolerance) {
                notes.append(found + "; minimised from there χ² is not lower than the minimum's: not followed")
                break
            }
            let reached = "minimised from there χ² = \(Fmt.fixed(r.value, 4)) (Δχ² = \(Fmt.fixed(r.value - minimum.chi2, 3)))"
            if !atUserBound.isEmpty {
                notes.append(found + "; " + reached + " at the bound of "
                             + atUserBound.map { "\(names[$0]) = \(Fmt.num(r.theta[$0], width: 0, digits: 6))" }.joined(separator: ", ")
                             + ": the lower valley lies outside the bounded region, so it is reported, not followed")
                break
            }
            if options.shard != nil {
                notes.append(found + "; " + reached + ": reported, not followed (the shards of a run share one minimum; "
                             + "run unsharded to restart from it)")
                break
            }
            if restarts >= maxRestarts {
                notes.append(found + "; " + reached + ": not followed (the scan has restarted \(maxRestarts) times already)")
                break
            }
            restarts += 1
            let old = minimum.chi2
            starts.all.append(r)
            starts.best = starts.all.count - 1
            minimum = try summarise(model: model, constraints: plan.constraints, results: starts.all, best: starts.best)
            notes.append(found + "; the scan restarts from it: χ²_min \(Fmt.fixed(old, 4)) → \(Fmt.fixed(minimum.chi2, 4)) "
                         + "(re-minimised from that point), and every answer is redone from the new minimum")
        }
        let hessian = ctx.hessian
        let end = DispatchTime.now().uptimeNanoseconds
        var chains: [ScanUnitOutput] = []
        if let mc = options.mcmc {
            for (k, c) in mineChains.enumerated() {
                let r = try runChain(ctx, options: mc, chain: c) { mcmcProgress?(k, mineChains.count, $0) }
                chains.append(.mcmc(ScanMCMCChain(index: c, result: r)))
            }
        }
        let mcmcEnd = DispatchTime.now().uptimeNanoseconds
        var result = ScanResult(runID: runID, parameterNames: names, experimentNames: model.experimentNames,
                                tolerances: options.tolerances, minimum: minimum, hessian: hessian,
                                units: plan.units.map { $0.name(names) }, profiles: [], contours: [], lagrange: [],
                                shard: options.shard, timing: nil)
        result.notes = notes.isEmpty ? nil : notes
        try result.setUnitOutputs(outputs.map(\.0) + chains)
        result.timing = ScanTiming(seconds: Double(mcmcEnd - start) / 1e9, unitSeconds: Double(unitNanos) / 1e9,
                                   profiledPoints: work.minimisations, modelEvaluations: work.evaluations,
                                   mcmcSeconds: Double(mcmcEnd - end) / 1e9)
        return result
    }

    /// The checked form of the options.
    struct Plan {
        var constraints: [ParameterConstraint]
        var units: [ScanUnit]
        var quantities: [DerivedQuantity]
    }

    /// Checks the options against the model; throws one line naming the fault.
    static func resolvePlan(model: any ScalarModel, options: ScanOptions, lagrangeModels: [LagrangeModel]) throws -> Plan {
        let names = model.parameterNames
        let p = names.count
        guard p > 0 else { throw PDFEmuError(.chi2, "model has no parameters") }
        func index(_ n: String, _ what: ScanSetting) throws -> Int {
            guard let i = names.firstIndex(of: n) else {
                throw ScanSettingError(what, nil, "unknown parameter '\(n)' (known: \(names.joined(separator: " ")))")
            }
            return i
        }
        try options.validate()
        var constraints = [ParameterConstraint](repeating: .free, count: p)
        for (n, r) in options.bounds.sorted(by: { $0.key < $1.key }) {
            let i = try index(n, .bounds)
            guard r.lower < r.upper else { throw ScanSettingError(.bounds, n, "lower \(r.lower) must be below upper \(r.upper)") }
            constraints[i] = .bounded(lower: r.lower, upper: r.upper)
        }
        for (n, v) in options.fixed.sorted(by: { $0.key < $1.key }) {
            let i = try index(n, .fixed)
            guard v.isFinite else { throw ScanSettingError(.fixed, n, "value must be finite") }
            if options.bounds[n] != nil { throw ScanSettingError(.fixed, n, "parameter is also bounded") }
            constraints[i] = .fixed(v)
        }
        var units: [ScanUnit] = []
        let profiled = try (options.profileParameters ?? names.filter { options.fixed[$0] == nil }).map { try index($0, .profileParameters) }
        for a in profiled {
            if constraints[a].isFixed { throw ScanSettingError(.profileParameters, nil, "'\(names[a])' is fixed and cannot be profiled") }
        }
        if Set(profiled).count != profiled.count { throw ScanSettingError(.profileParameters, nil, "a parameter is named twice") }
        for (n, r) in options.ranges.sorted(by: { $0.key < $1.key }) {
            let i = try index(n, .ranges)
            guard r.lower < r.upper else { throw ScanSettingError(.ranges, n, "lower \(r.lower) must be below upper \(r.upper)") }
            if r.lower < constraints[i].lower || r.upper > constraints[i].upper {
                throw ScanSettingError(.ranges, n, "[\(r.lower), \(r.upper)] reaches outside its bound \(constraints[i].label)")
            }
        }
        units += profiled.sorted().map { .profile($0) }
        for pair in options.contours {
            guard pair.count == 2 else { throw ScanSettingError(.contours, nil, "give two parameter names, got \(pair.joined(separator: ","))") }
            let a = try index(pair[0], .contours), b = try index(pair[1], .contours)
            if a == b { throw ScanSettingError(.contours, "\(pair[0]),\(pair[1])", "names the same parameter twice") }
            if constraints[a].isFixed || constraints[b].isFixed {
                throw ScanSettingError(.contours, "\(pair[0]),\(pair[1])", "a fixed parameter cannot be contoured")
            }
            let unit = ScanUnit.contour(a, b)
            if units.contains(unit) { throw ScanSettingError(.contours, "\(pair[0]),\(pair[1])", "given twice") }
            units.append(unit)
        }
        var quantities: [DerivedQuantity] = []
        for e in options.lagrangeExpressions {
            quantities.append(.linear(try LinearExpression(parsing: e, parameterNames: names)))
        }
        for m in lagrangeModels {
            if m.model.parameterNames != names {
                throw PDFEmuError(.input(m.label), "parameter names (\(m.model.parameterNames.joined(separator: " "))) differ from "
                                  + "the χ² model's (\(names.joined(separator: " ")))")
            }
            quantities.append(.model(label: m.label, model: m.model))
        }
        units += quantities.indices.map { .lagrange($0) }
        if let mc = options.mcmc {
            let nFree = constraints.filter { !$0.isFixed }.count
            guard nFree > 0 else { throw ScanSettingError(.mcmc, nil, "every parameter is fixed; nothing to sample") }
            if mc.sampler == .ensemble { try mc.samplerOptions(chain: 0, lower: nil, upper: nil).validate(parameters: nFree) }
            units += (0..<mc.chains).map { .mcmc($0) }
        }
        if let r = model.trainingRegion, r.trainingLower.count != p || r.trainingUpper.count != p {
            throw PDFEmuError(.step("model"), "training box has \(r.trainingLower.count) entries for \(p) parameters")
        }
        return Plan(constraints: constraints, units: units, quantities: quantities)
    }

    /// MCMC run number `chain` over the free parameters, started around the minimum with the Hessian
    /// covariance T²·H⁻¹; bounds of bounded parameters reject proposals outside them.
    static func runChain(_ ctx: ScanContext, options mc: ScanMCMCOptions, chain: Int,
                         progress: @escaping (MCMCProgress) -> Void) throws -> MCMCResult {
        let model = FreeParameterModel(base: ctx.model, constraints: ctx.constraints, at: ctx.minimum.theta)
        let free = model.free.map { ctx.constraints[$0] }
        let bounded = free.contains { if case .bounded = $0 { return true } else { return false } }
        let opts = mc.samplerOptions(chain: chain, lower: bounded ? free.map(\.lower) : nil,
                                     upper: bounded ? free.map(\.upper) : nil)
        guard ctx.hessian.positiveDefinite, ctx.hessian.indices == model.free else {
            throw ScanSettingError(.mcmc, nil, "the Hessian at the minimum is not positive definite; cannot start the chains around it")
        }
        let start = try MCMCStart.hessian(centre: model.reduce(ctx.minimum.theta), chi2Hessian: ctx.hessian.halfHessian.map { 2 * $0 },
                                          temperature2: mc.sampling.temperature2)
        switch mc.sampler {
        case .ensemble: return try EnsembleSampler.run(model: model, start: start, options: opts, progress: progress)
        case .hmc: return try HamiltonianSampler.run(model: model, start: start, options: opts, progress: progress)
        }
    }

    /// Most restarts of a scan from a lower minimum found by its units.
    static let maxRestarts = 3

    /// Multi-start minimisation from the model's best training points (moved into the constraints).
    static func findMinimum(model: any ScalarModel, minimiser: Minimiser, constraints: [ParameterConstraint],
                            starts: Int) throws -> ScanMinimum {
        let ms = try startMinima(model: model, minimiser: minimiser, constraints: constraints, starts: starts)
        return try summarise(model: model, constraints: constraints, results: ms.all, best: ms.best)
    }

    /// The minimisations from the model's best training points (moved into the constraints) and the index
    /// of the lowest converged one.
    static func startMinima(model: any ScalarModel, minimiser: Minimiser, constraints: [ParameterConstraint],
                            starts: Int) throws -> (all: [MinimiserResult], best: Int) {
        let p = model.parameterNames.count
        var points = Array(model.startingPoints.prefix(starts)).filter { $0.count == p }
        if points.isEmpty, let r = model.trainingRegion { points = [(0..<p).map { 0.5 * (r.trainingLower[$0] + r.trainingUpper[$0]) }] }
        guard !points.isEmpty else { throw PDFEmuError(.step("minimisation"), "the model offers no starting point") }
        points = points.map { pt in (0..<p).map { constraints[$0].clamp(pt[$0]) } }
        let ms = minimiser.minimiseMultiStart(from: points, constraints: constraints)
        return (ms.all, ms.bestIndex)
    }

    /// The minimum `results[best]` with its description (per-experiment χ², domain, warnings), the other
    /// results counted as further starts (a restart from a lower minimum adds one).
    static func summarise(model: any ScalarModel, constraints: [ParameterConstraint], results: [MinimiserResult],
                          best index: Int) throws -> ScanMinimum {
        let best = results[index]
        let ms = (all: results, best: best)
        guard best.value.isFinite else { throw PDFEmuError(.chi2, "minimisation failed: χ² is not finite at any start") }
        let pred = model.prediction(at: best.theta)
        let region = model.trainingRegion
        let domain = region?.domain(at: best.theta)
        var warnings: [String] = []
        if !best.converged { warnings.append("global minimum did not converge (\(best.status)); errors and profiles are unreliable") }
        if domain?.inside == false { warnings.append("the minimum lies outside the training domain") }
        if let smin = region?.sampleMinimum, best.value < smin - 1 {
            warnings.append("χ²_min is \(Fmt.fixed(smin - best.value, 3)) below the lowest training χ² "
                            + "(\(Fmt.fixed(smin, 3))): the model may be extrapolating")
        }
        if !best.atBound.isEmpty {
            warnings.append("at the minimum, parameter(s) at a bound: " + best.atBound.map { model.parameterNames[$0] }.joined(separator: ", "))
        }
        let distinct = ms.all.filter { $0.converged && $0.value - best.value > 1e-3 }.map { $0.value - best.value }
        if !distinct.isEmpty {
            let vals = Array(Set(distinct.map { ($0 * 1000).rounded() / 1000 })).sorted()
            warnings.append("multi-start found other local minima at Δχ² = " + vals.map { Fmt.fixed($0, 3) }.joined(separator: ", "))
        }
        return ScanMinimum(chi2: best.value, theta: best.theta, converged: best.converged, status: best.status,
                           iterations: best.iterations, evaluations: best.evaluations, edm: best.edm,
                           atBound: best.atBound.map { model.parameterNames[$0] }, constraints: constraints,
                           perExperiment: pred.perExperiment, spread: pred.spread, domain: domain,
                           sampleMinimum: region?.sampleMinimum, startChi2: ms.all.map { $0.value },
                           startConverged: ms.all.map { $0.converged }, warnings: warnings, spreadStatus: model.spreadStatus)
    }
}
