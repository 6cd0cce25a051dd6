import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory
/// A derived quantity q(θ) for a Lagrange-multiplier scan: a linear expression of the parameters or
/// any other model over the same parameters (e.g. an emulated cross section).
package enum DerivedQuantity: Sendable {
    /// A linear combination parsed from text.
    case linear(LinearExpression)
    /// Another model's value; `label` names it in outputs (e.g. its file name).
    case model(label: String, model: any ScalarModel)

    /// The expression text, or "model:<label>".
    package var definition: String {
        switch self {
        case .linear(let e): return e.text
        case .model(let label, _): return "model:" + label
        }
    }

    /// q, ∇q and ∇²q (P×P row-major) at θ.
    func valueGradientHessian(at theta: [Double]) -> (value: Double, gradient: [Double], hessian: [Double]) {
        switch self {
        case .linear(let e):
            return (e.value(at: theta), e.coefficients, [Double](repeating: 0, count: theta.count * theta.count))
        case .model(_, let m):
            return m.valueGradientHessian(at: theta)
        }
    }

    /// q at θ.
    func value(at theta: [Double]) -> Double {
        switch self {
        case .linear(let e): return e.value(at: theta)
        case .model(_, let m): return m.value(at: theta)
        }
    }
}
