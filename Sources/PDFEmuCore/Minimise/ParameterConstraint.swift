/// How one parameter is treated by the minimiser.
package enum ParameterConstraint: Sendable, Codable, Equatable {
    /// Varied without limits.
    case free
    /// Held at the given value.
    case fixed(Double)
    /// Varied within [lower, upper].
    case bounded(lower: Double, upper: Double)

    /// True for `.fixed`.
    package var isFixed: Bool { if case .fixed = self { return true } else { return false } }
    /// Lowest allowed value (−∞ when free).
    package var lower: Double {
        switch self { case .free: return -.infinity; case .fixed(let v): return v; case .bounded(let l, _): return l }
    }
    /// Highest allowed value (+∞ when free).
    package var upper: Double {
        switch self { case .free: return .infinity; case .fixed(let v): return v; case .bounded(_, let u): return u }
    }
    /// `value` moved into the allowed range.
    package func clamp(_ value: Double) -> Double { min(max(value, lower), upper) }
    /// Short text: "free", "fixed at 0.5", "bounded [0, 1]".
    package var label: String {
        switch self {
        case .free: return "free"
        case .fixed(let v): return "fixed at \(v)"
        case .bounded(let l, let u): return "bounded [\(l), \(u)]"
        }
    }
}
