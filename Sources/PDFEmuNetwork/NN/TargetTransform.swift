import Foundation
import PDFEmuCore
import PDFEmuIO

/// The transform of one network output's target: the network learns t = c·log(1 + d/c) of the physical
/// value d (above the output's shift, in its units: Δχ² for χ² outputs) when c > 0, and d itself when
/// c = 0. The one place that defines the transform, its inverse and the inverse's derivatives; training
/// targets, the network's physical outputs, its gradient and Hessian, and validation all use it.
package struct TargetTransform: Sendable, Equatable {
    /// c, in the output's units; 0 is the identity.
    package var logScale: Double

    /// A transform with scale c (0: the identity).
    @inline(__always) package init(logScale: Double) { self.logScale = logScale }

    /// t(d) = c·log(1 + d/c) (d for c = 0).
    @inline(__always) package func forward(_ d: Double) -> Double {
        logScale > 0 ? logScale * Foundation.log1p(d / logScale) : d
    }

    /// d(t) = c·(e^{t/c} − 1) (t for c = 0), the inverse of `forward`.
    @inline(__always) package func inverse(_ t: Double) -> Double {
        logScale > 0 ? logScale * Foundation.expm1(t / logScale) : t
    }

    /// dd/dt = e^{t/c} (1 for c = 0): the factor the chain rule puts on a gradient of t.
    @inline(__always) package func inverseDerivative(_ t: Double) -> Double {
        logScale > 0 ? Foundation.exp(t / logScale) : 1
    }

    /// The Hessian of d from the gradient ∇t and Hessian ∇²t: e^{t/c}·(∇²t + ∇t∇tᵀ/c), in place
    /// (P×P row-major); unchanged for c = 0.
    package func inverseHessian(_ t: Double, gradient g: [Double], hessian h: inout [Double]) {
        guard logScale > 0 else { return }
        let f = inverseDerivative(t), p = g.count
        for i in 0..<p { for j in 0..<p { h[i * p + j] = f * (h[i * p + j] + g[i] * g[j] / logScale) } }
    }
}
