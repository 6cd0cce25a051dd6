import PDFEmuCore
import PDFEmuIO
/// Why the theory χ² does not exist at a parameter point: the point is outside the domain of the
/// parametrisation (never a crash, never a silent huge number). `description` is one line naming the
/// parameter and the offending value.
package enum UndefinedPoint: Error, Sendable, Equatable, CustomStringConvertible {
    /// A parameter is NaN or ±∞.
    case nonFiniteParameter(name: String, value: Double)
    /// A sum-rule Beta function B(a, b) has an argument ≤ 0: the integral of x^(a−1)(1−x)^(b−1)
    /// diverges. `function` is the Beta function as written (e.g. "B(Buv, Cuv+1)"), `parameter`
    /// the parameter that makes the argument `argument`.
    case betaArgument(function: String, parameter: String, argument: Double)
    /// A sum-rule integral vanishes, so its normalisation (e.g. Auv = 2 / ∫uv) does not exist.
    case vanishingIntegral(normalisation: String, integral: Double)
    /// The PDFs overflow double precision on the x grid (e.g. x^B with a huge negative B).
    case overflow(detail: String)

    /// A short category for counting (e.g. "beta argument ≤ 0").
    package var kind: String {
        switch self {
        case .nonFiniteParameter: return "non-finite parameter"
        case .betaArgument: return "Beta-function argument ≤ 0"
        case .vanishingIntegral: return "vanishing sum-rule integral"
        case .overflow: return "PDF overflow"
        }
    }

    package var description: String {
        switch self {
        case let .nonFiniteParameter(name, value):
            return "parameter \(name) = \(value) is not finite"
        case let .betaArgument(function, parameter, argument):
            return "sum rule undefined: \(function) has argument \(argument) ≤ 0 (from \(parameter))"
        case let .vanishingIntegral(normalisation, integral):
            return "sum rule undefined: the integral normalised by \(normalisation) is \(integral)"
        case let .overflow(detail):
            return "PDFs overflow on the x grid: \(detail)"
        }
    }
}
