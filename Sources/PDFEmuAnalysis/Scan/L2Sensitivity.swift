import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory

/// One side of an L2 sensitivity: the point of the Lagrange path where the derived quantity X reaches its
/// target X₀ ± T·σ_X, with each experiment's Δχ²_E there.
package struct L2End: Sendable, Codable, Equatable {
    /// +1 (X₀ + T·σ_X) or −1 (X₀ − T·σ_X).
    package var sign: Int
    /// The target value of X.
    package var target: Double
    /// The Lagrange multiplier λ whose minimum of χ² + λX reaches the target (nil: not reached).
    package var lambda: Double?
    /// X reached there (nil when not reached).
    package var value: Double?
    /// Total Δχ² = χ² − χ²_min there (nil when not reached).
    package var deltaChi2: Double?
    /// Δχ²_E = χ²_E − χ²_E(minimum) per experiment (empty when not reached).
    package var perExperiment: [Double]
    /// The parameters there (nil when not reached).
    package var theta: [Double]?
    /// Whether the point lies inside the training region.
    package var inside: Bool
    /// Whether the minimisation there converged.
    package var converged: Bool
    /// Why the target was not reached (nil when it was).
    package var openReason: String?
}

/// L2 sensitivities of a derived quantity X: how much each experiment's χ²_E changes when X is moved by
/// its Hessian error T·σ_X up or down along the Lagrange path (the minimum of χ² + λX), i.e. which
/// experiments pull X up and which pull it down.
package struct L2Result: Sendable, Codable, Equatable {
    /// The model's parameter names.
    package var parameterNames: [String]
    /// The model's experiment names.
    package var experimentNames: [String]
    /// The quantity's definition (expression text or "model:LABEL").
    package var quantity: String
    /// T²: the targets are X₀ ± T·σ_X.
    package var tolerance: Double
    /// χ² at the global minimum.
    package var chi2Min: Double
    /// X₀ = X at the minimum.
    package var central: Double
    /// σ_X = √(∇Xᵀ V ∇X), the Hessian error of X at Δχ² = 1.
    package var sigma: Double
    /// The upper side (X₀ + T·σ_X).
    package var plus: L2End
    /// The lower side (X₀ − T·σ_X).
    package var minus: L2End
    /// Warnings (sides not reached, points outside the training region, minimisations not converged).
    package var warnings: [String]

    /// Δχ²_E(X₀ + Tσ) − Δχ²_E(X₀ − Tσ) per experiment (NaN where a side was not reached): positive when
    /// experiment E is worse off with X raised, i.e. it pulls X down; negative: it pulls X up.
    package var pull: [Double] {
        experimentNames.indices.map { e in
            plus.perExperiment.count > e && minus.perExperiment.count > e ? plus.perExperiment[e] - minus.perExperiment[e] : .nan
        }
    }
}

/// Computes L2 sensitivities (see `L2Result`).
package enum L2Sensitivity {
    /// Finds the minimum and Hessian (as `ScanRunner` does, with `scan`'s constraints and starts), σ_X,
    /// then for each side the λ with X(θ(λ)) = X₀ ± T·σ_X by root finding on the Lagrange path (each
    /// evaluation a minimisation of χ² + λX, warm-started from the nearest point found), and the
    /// per-experiment Δχ²_E there. Throws one line for T² ≤ 0, a model without per-experiment outputs,
    /// a quantity model over other parameters, or an X without a Hessian error.
    package static func compute(model: any ScalarModel, quantity: DerivedQuantity, tolerance: Double,
                               scan: ScanOptions = ScanOptions(), modelIdentity: String? = nil) throws -> L2Result {
        guard tolerance > 0, tolerance.isFinite else { throw SettingError(.eigenTolerance, "T² must be > 0, got \(tolerance)") }
        guard !model.experimentNames.isEmpty else {
            throw PDFEmuError(.chi2, "L2 sensitivities need per-experiment χ², and this model has no per-experiment outputs")
        }
        if case .model(let label, let m) = quantity, m.parameterNames != model.parameterNames {
            throw PDFEmuError(.input(label), "parameter names differ from the χ² model's")
        }
        var so = scan
        so.profileParameters = []
        so.contours = []
        so.lagrangeExpressions = []
        so.mcmc = nil
        so.shard = nil
        so.tolerances = [tolerance]
        let result = try ScanRunner.run(model: model, options: so, modelIdentity: modelIdentity)
        let ctx = ScanContext(model: model, minimiser: Minimiser(model: model, options: so.minimiser), minimum: result.minimum,
                              hessian: result.hessian, constraints: result.minimum.constraints, options: so)
        let (x0, sigma) = LagrangeScan.hessianError(ctx, quantity: quantity)
        guard sigma.isFinite, sigma > 0 else {
            throw PDFEmuError(.chi2, "\(quantity.definition) has no Hessian error at the minimum (Hessian not positive definite, or it does not depend on the free parameters)")
        }
        let t = tolerance.squareRoot()
        let ends = Parallel.map(2) { j in side(ctx, quantity: quantity, sign: j == 0 ? 1 : -1, x0: x0, step: t * sigma) }
        var warnings = result.minimum.warnings
        for e in ends {
            let label = "X₀ \(e.sign > 0 ? "+" : "−") T·σ"
            if let why = e.openReason { warnings.append("\(label): not reached, \(why)") } else {
                if !e.inside { warnings.append("\(label): the point lies outside the training region") }
                if !e.converged { warnings.append("\(label): the minimisation did not converge") }
            }
        }
        return L2Result(parameterNames: model.parameterNames, experimentNames: model.experimentNames,
                        quantity: quantity.definition, tolerance: tolerance, chi2Min: result.minimum.chi2, central: x0,
                        sigma: sigma, plus: ends[0], minus: ends[1], warnings: warnings)
    }

    /// The side `sign` (+1: X₀ + step, −1: X₀ − step): root finding in u = −sign·λ ≥ 0 on
    /// h(u) = sign·(X(θ(λ)) − target), which is −step at u = 0 and grows with u; the first step is the
    /// quadratic prediction u = 2·step/σ².
    static func side(_ ctx: ScanContext, quantity: DerivedQuantity, sign: Int, x0: Double, step: Double) -> L2End {
        let s = Double(sign)
        let target = x0 + s * step
        var found: [(u: Double, theta: [Double], r: MinimiserResult?)] = [(0, ctx.minimum.theta, nil)]
        let (_, sigma) = LagrangeScan.hessianError(ctx, quantity: quantity)
        let out = RayCrossing.first(g0: -step, start: 2 * step / (sigma * sigma), limit: .infinity,
                                    tolerance: 1e-6 * step, maxSteps: 30) { u in
            let warm = found.min { abs($0.u - u) < abs($1.u - u) }!.theta
            let r = LagrangeScan.minimise(ctx, quantity: quantity, lambda: -s * u, from: warm)
            if r.value.isFinite { found.append((u, r.theta, r)) }
            return r.value.isFinite ? s * (quantity.value(at: r.theta) - target) : .nan
        }
        guard let u = out.t, let r = found.last(where: { $0.u == u })?.r else {
            return L2End(sign: sign, target: target, lambda: nil, value: nil, deltaChi2: nil, perExperiment: [], theta: nil,
                         inside: false, converged: false, openReason: out.openReason ?? "root finding failed")
        }
        let described = ctx.describe(r.theta)
        return L2End(sign: sign, target: target, lambda: -s * u, value: quantity.value(at: r.theta),
                     deltaChi2: ctx.model.value(at: r.theta) - ctx.minimum.chi2, perExperiment: described.perExperiment,
                     theta: r.theta, inside: described.inside, converged: r.converged, openReason: nil)
    }
}
