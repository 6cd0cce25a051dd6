import Foundation
import PDFEmuCore
import PDFEmuIO

/// Activation functions of the hidden layers, with the first and second derivatives the exact
/// gradient and Hessian need.
package enum Activation: String, Sendable, Codable, CaseIterable {
    /// tanh(x).
    case tanh
    /// x·sigmoid(x) (also called swish).
    case silu
    /// log(1 + eˣ).
    case softplus
    /// x·Φ(x), Φ the standard normal CDF (exact, erf-based).
    case gelu

    /// σ(x).
    @inline(__always) package func value(_ x: Double) -> Double {
        switch self {
        case .tanh: return Foundation.tanh(x)
        case .silu: return x / (1 + Foundation.exp(-x))
        case .softplus: return PDFEmuNetwork.softplus(x)
        case .gelu: return 0.5 * x * (1 + Foundation.erf(x / 2.0.squareRoot()))
        }
    }

    /// σ'(x).
    @inline(__always) package func derivative(_ x: Double) -> Double {
        switch self {
        case .tanh: let t = Foundation.tanh(x); return 1 - t * t
        case .silu: let s = 1 / (1 + Foundation.exp(-x)); return s + x * s * (1 - s)
        case .softplus: return 1 / (1 + Foundation.exp(-x))
        case .gelu:
            return 0.5 * (1 + Foundation.erf(x / 2.0.squareRoot())) + x * Foundation.exp(-0.5 * x * x) / (2 * Double.pi).squareRoot()
        }
    }

    /// σ(x), σ'(x), σ''(x) together.
    @inline(__always) package func derivatives(_ x: Double) -> (Double, Double, Double) {
        switch self {
        case .tanh:
            let t = Foundation.tanh(x), d = 1 - t * t
            return (t, d, -2 * t * d)
        case .silu:
            let s = 1 / (1 + Foundation.exp(-x))
            return (x * s, s + x * s * (1 - s), s * (1 - s) * (2 + x * (1 - 2 * s)))
        case .softplus:
            let s = 1 / (1 + Foundation.exp(-x))
            return (PDFEmuNetwork.softplus(x), s, s * (1 - s))
        case .gelu:
            let phi = Foundation.exp(-0.5 * x * x) / (2 * Double.pi).squareRoot()
            let cdf = 0.5 * (1 + Foundation.erf(x / 2.0.squareRoot()))
            return (x * cdf, cdf + x * phi, phi * (2 - x * x))
        }
    }
}
