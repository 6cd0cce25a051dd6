import PDFEmuCore
import PDFEmuIO
import PDFEmuAnalysis

/// Where `Refiner` gets the true gradient: from the oracle (`exact`, `OracleResult.gradient`) or by
/// forward finite differences of true values (`values`).
package enum RefineGradients: String, Sendable, Codable, Equatable, CaseIterable {
    /// The oracle's own gradient (checked once against finite differences; values mode if it disagrees).
    case exact
    /// P + 1 true values per gradient: forward differences with steps of `finiteDifferenceStep` conditional σ,
    /// corrected by the model's curvature (gᵢ ≈ (f(x + hᵢeᵢ) − f(x))/hᵢ − Hᵢᵢhᵢ/2).
    case values
}

/// Values mode: where the gradient of a trial between two true gradients comes from.
package enum RefineStepGradient: String, Sendable, Codable, Equatable, CaseIterable {
    /// A secant estimate from the answer's accepted point (`Refiner.secantGradient`).
    case secant
    /// The secant estimate with the change of the residual's gradient along the step taken from
    /// `ResidualModel` (fitted on every true point of all answers) instead of the answer's BFGS correction.
    case residual
}

extension Setting {
    /// ε: the largest |Δχ²_true − T²| at a certified end (χ² units).
    package static let refineEpsilon = Setting("refine.epsilon")
    /// δ: the largest predicted decrease of the true gradient at a certified point (χ² units).
    package static let refineStationarity = Setting("refine.stationarity")
    /// The most true χ² evaluations in all.
    package static let refineBudget = Setting("refine.budget")
    /// Where gradients come from (the oracle's, or finite differences).
    package static let refineGradients = Setting("refine.gradients")
    /// The most oracle batches.
    package static let refineMaxIterations = Setting("refine.maxIterations")
    /// The finite-difference step, in conditional σ.
    package static let refineFiniteDifferenceStep = Setting("refine.finiteDifferenceStep")
    /// The most secant steps between true gradients (values mode).
    package static let refineSecantSteps = Setting("refine.secantSteps")
    /// Where a step's gradient between true gradients comes from (values mode).
    package static let refineStepGradient = Setting("refine.stepGradient")
    /// Bounds added to the scan's constraints.
    package static let refineBound = Setting("refine.bound")
    /// The scan whose answers are refined.
    package static let refineScan = Setting("refine.scan")
    /// The model that guides (the emulator).
    package static let refineGuide = Setting("refine.guide")
    /// The directory that keeps every batch of true χ².
    package static let refineState = Setting("refine.state")
}

/// How `Refiner` solves and certifies the answers on the true χ².
///
/// An answer is certified when (i) |χ²_true(x) − χ²_min,true − T²| ≤ `epsilon` at its point x (a profile
/// end), (ii) x is a true constrained minimum: the predicted decrease g_νᵀ H_νν⁻¹ g_ν / 2 of the true
/// gradient over the free, non-profiled parameters not held at a bound is ≤ `stationarity` in each of
/// four metrics — the guide's Hessian at x, at the scan's minimum, the answer's BFGS Hessian learned
/// from its true gradients, and the true Hessian at the minimum (finite differences of 0.1 conditional σ,
/// taken before the minimum is certified) — (the minimum: over all free parameters), with the true gradient (never a
/// secant estimate), and two probes x + t·d along the nuisance Newton step d (t = 4, 16) are not below
/// χ²_true(x) − `stationarity`, and (iii) the minimum is certified.
package struct RefineOptions: Sendable, Codable, Equatable {
    /// ε: largest |Δχ²_true − T²| at a certified end, χ² units (default 0.01: 0.5% of the half-width at
    /// T² = 1 for a parabolic profile, 0.05% at T² = 10).
    package var epsilon: Double
    /// δ: largest predicted decrease g_νᵀH_νν⁻¹g_ν/2 at a certified point, χ² units (default 0.002).
    package var stationarity: Double
    /// Most true χ² evaluations in all (every point sent to the oracle, finite-difference points included).
    package var budget: Int
    /// Where the true gradient comes from.
    package var gradients: RefineGradients
    /// Most iterations (oracle batches) of the run.
    package var maxIterations: Int
    /// Finite-difference step in units of each parameter's conditional Hessian σ √(2/H_ii) (the guide's
    /// Hessian at the scan's minimum; a step raises a quadratic χ² by about step²), values mode.
    package var finiteDifferenceStep: Double
    /// Values mode: most accepted steps with a secant-estimated gradient (1 true value per step) between two
    /// true gradients (P forward-difference values at the accepted point); 0: a true gradient at every trial.
    /// A true gradient is always taken before an answer is certified.
    package var secantSteps: Int
    /// Values mode: the gradient of those steps — a secant estimate, or the residual model's (never used by
    /// the certificate).
    package var stepGradient: RefineStepGradient

    /// Creates options; the defaults are ε = 0.01, δ = 0.002, 5,000 evaluations, values only, 100
    /// iterations, steps of 0.01 conditional σ.
    package init(epsilon: Double = 0.01, stationarity: Double = 0.002, budget: Int = 5000,
                gradients: RefineGradients = .values, maxIterations: Int = 100, finiteDifferenceStep: Double = 0.01,
                secantSteps: Int = 4, stepGradient: RefineStepGradient = .secant) {
        self.epsilon = epsilon; self.stationarity = stationarity; self.budget = budget
        self.gradients = gradients; self.maxIterations = maxIterations; self.finiteDifferenceStep = finiteDifferenceStep
        self.secantSteps = secantSteps; self.stepGradient = stepGradient
    }

    private enum CodingKeys: String, CodingKey {
        case epsilon, stationarity, budget, gradients, maxIterations, finiteDifferenceStep, secantSteps, stepGradient
    }

    /// Decodes options; `secantSteps` and `stepGradient` may be absent (options written before they existed:
    /// 4 and secant).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(epsilon: try c.decode(Double.self, forKey: .epsilon), stationarity: try c.decode(Double.self, forKey: .stationarity),
                  budget: try c.decode(Int.self, forKey: .budget), gradients: try c.decode(RefineGradients.self, forKey: .gradients),
                  maxIterations: try c.decode(Int.self, forKey: .maxIterations),
                  finiteDifferenceStep: try c.decode(Double.self, forKey: .finiteDifferenceStep),
                  secantSteps: try c.decodeIfPresent(Int.self, forKey: .secantSteps) ?? 4,
                  stepGradient: try c.decodeIfPresent(RefineStepGradient.self, forKey: .stepGradient) ?? .secant)
    }

    /// Throws one line naming the setting that is out of range.
    package func validate() throws(SettingError) {
        guard epsilon > 0, epsilon.isFinite else { throw SettingError(.refineEpsilon, "must be a positive number of χ² units, got \(epsilon)") }
        guard stationarity > 0, stationarity.isFinite else {
            throw SettingError(.refineStationarity, "must be a positive number of χ² units, got \(stationarity)")
        }
        guard budget >= 1 else { throw SettingError(.refineBudget, "must be at least 1 evaluation, got \(budget)") }
        guard maxIterations >= 1 else { throw SettingError(.refineMaxIterations, "must be at least 1, got \(maxIterations)") }
        guard finiteDifferenceStep > 0, finiteDifferenceStep <= 1 else {
            throw SettingError(.refineFiniteDifferenceStep, "must be in (0, 1] conditional σ, got \(finiteDifferenceStep)")
        }
        guard secantSteps >= 0 else { throw SettingError(.refineSecantSteps, "must be 0 or more steps, got \(secantSteps)") }
    }
}

extension Fmt {
    /// A short number for messages and names: up to 6 significant digits (`1`, `10`, `0.0385`).
    package static func short(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e9 { return String(Int(x)) }
        return String(format: "%.6g", x)
    }
}
