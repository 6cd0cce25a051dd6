/// Why a minimisation stopped. The raw value is the wording stored in scan files and JSON.
package enum MinimiserStatus: String, Sendable, Codable, Equatable, CustomStringConvertible {
    /// The expected decrease fell below the EDM tolerance with a positive-definite Hessian.
    case converged = "converged"
    /// Every free parameter is held at a bound by an outward gradient.
    case convergedAtBounds = "converged (all free parameters at bounds)"
    /// No step lowers the value any more, but the expected decrease is below the stall tolerance.
    case convergedAtPrecisionLimit = "converged (precision limit of the model)"
    /// The iteration limit was reached.
    case iterationLimit = "iteration limit"
    /// The value at the start is not finite (e.g. the model is undefined there).
    case nonFiniteStart = "non-finite value at the start"
    /// Damping found no positive-definite system.
    case stalledNotPositiveDefinite = "stalled (no positive-definite damped system)"
    /// No damped step predicts a decrease.
    case stalledNoDescent = "stalled (no descent step)"
    /// No step lowers the value.
    case stalledNoDecrease = "stalled (no step lowers the value)"

    /// True for the stalled cases.
    package var isStalled: Bool {
        switch self {
        case .stalledNotPositiveDefinite, .stalledNoDescent, .stalledNoDecrease: return true
        default: return false
        }
    }

    /// The stored wording.
    package var description: String { rawValue }
}
