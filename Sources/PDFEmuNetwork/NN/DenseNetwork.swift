import Foundation
import PDFEmuCore
import PDFEmuIO

/// One trained network in double precision with its input and output scalers, evaluated one point at
/// a time with exact derivatives: value, gradient and Hessian with respect to the raw parameters θ.
/// Immutable and `Sendable`: safe to evaluate from several threads at once.
public struct DenseNetwork: Sendable {
    /// The network's shape.
    package let architecture: MLPArchitecture
    /// Flat parameters (see `MLPArchitecture.tensors`).
    package let weights: [Double]
    /// The input and output scalers (the emulator's one set, shared by its members).
    package let scalers: Scalers
    /// The weights laid out for the one-point kernels (value and gradient without allocation).
    let point: PointLayout

    /// Input mean (`scalers.inputMean`).
    package var inputMean: [Double] { scalers.inputMean }
    /// Input transform matrix (`scalers.inputTransform`, P×P row-major).
    package var inputTransform: [Double] { scalers.inputTransform }
    /// Output shifts (`scalers.outputShift`).
    package var outputShift: [Double] { scalers.outputShift }
    /// Output scales (`scalers.outputScale`).
    package var outputScale: [Double] { scalers.outputScale }
    /// Log-transform scales (`scalers.outputLogScale`).
    package var outputLogScale: [Double] { scalers.outputLogScale }

    /// Creates a network from its weights and scalers.
    package init(architecture: MLPArchitecture, weights: [Double], scalers: Scalers) {
        precondition(weights.count == architecture.parameterCount)
        precondition(scalers.inputMean.count == architecture.inputs && scalers.outputShift.count == architecture.outputs,
                     "scalers do not match the architecture")
        self.architecture = architecture
        self.weights = weights
        self.scalers = scalers
        point = PointLayout(architecture, weights: weights)
    }

    /// Creates a network from its parts.
    package init(architecture: MLPArchitecture, weights: [Double], inputMean: [Double], inputTransform: [Double],
                outputShift: [Double], outputScale: [Double], outputLogScale: [Double]? = nil) {
        self.init(architecture: architecture, weights: weights,
                  scalers: Scalers(inputMean: inputMean, inputTransform: inputTransform, outputShift: outputShift,
                                   outputScale: outputScale, outputLogScale: outputLogScale))
    }

    /// Physical value of output `o` from the raw network output `y`.
    @inline(__always) package func physical(_ o: Int, _ y: Double) -> Double {
        outputShift[o] + TargetTransform(logScale: outputLogScale[o]).inverse(outputScale[o] * y)
    }

    /// All outputs in physical units at θ.
    package func outputs(at theta: [Double]) -> [Double] {
        precondition(theta.count == architecture.inputs, "θ has \(theta.count) values, the network \(architecture.inputs)")
        return [Double](unsafeUninitializedCapacity: architecture.outputs) { out, n in
            theta.withUnsafeBufferPointer { pointOutputs($0.baseAddress!, into: out.baseAddress!) }
            n = architecture.outputs
        }
    }

    /// Output `o` with its gradient, and its Hessian if `hessian` (P×P row-major, else empty).
    package func derivatives(at theta: [Double], output o: Int = 0, hessian wantH: Bool)
        -> (value: Double, gradient: [Double], hessian: [Double]) {
        let p = architecture.inputs
        if !wantH {
            precondition(theta.count == p, "θ has \(theta.count) values, the network \(p)")
            var value = 0.0
            let grad = [Double](unsafeUninitializedCapacity: p) { g, n in
                value = theta.withUnsafeBufferPointer { pointValueAndGradient($0.baseAddress!, output: o, gradient: g.baseAddress!) }
                n = p
            }
            return (value, grad, [])
        }
        BLAS.require()
        let trace = forward(theta)
        let L = architecture.layers.count
        let layers = architecture.layers
        let zOut = trace.z[L - 1]
        let y = zOut.withUnsafeBufferPointer { z in weights.withUnsafeBufferPointer { architecture.headValue(o, z: z.baseAddress!, parameters: $0.baseAddress!) } }
        let g = outputScale[o] * y
        let value = physical(o, y)
        // Derivatives below are of g; the log transform's chain rule is applied at the end.
        let transform = TargetTransform(logScale: outputLogScale[o])
        let factor = transform.inverseDerivative(g)
        // Adjoints ā_l = ∂f/∂a_l for hidden layers (f = physical output o).
        var abar = [[Double]](repeating: [], count: L)
        var top = [Double](repeating: 0, count: layers[L - 1].fanOut)
        zOut.withUnsafeBufferPointer { z in top.withUnsafeMutableBufferPointer { architecture.headGradient(o, z: z.baseAddress!, scale: outputScale[o], into: $0.baseAddress!) } }
        // dz of the output layer is `top`: the linear layer's adjoint through the head (scale·∂y/∂z). With
        // it fixed, the loop below gives the Hessian of Σ_k top_k z_k; a sum of squares adds its
        // Gauss–Newton part 2·scale·Σ_k ∇z_k ∇z_kᵀ after it.
        var dz = top
        var gradX = [Double](repeating: 0, count: p)
        weights.withUnsafeBufferPointer { w in
            for l in stride(from: L - 1, through: 0, by: -1) {
                let (fi, fo) = layers[l]
                var prevBar = [Double](repeating: 0, count: fi)
                BLAS.gemm(transA: false, transB: false, m: 1, n: fi, k: fo, alpha: 1, a: dz, lda: fo,
                          b: w.baseAddress! + architecture.offsets(l).weight, ldb: fi, beta: 0, c: &prevBar, ldc: fi)
                if l == 0 {
                    gradX = prevBar
                } else {
                    abar[l - 1] = prevBar
                    let zp = trace.z[l - 1]
                    dz = (0..<fi).map { prevBar[$0] * architecture.activation.derivative(zp[$0]) }
                }
            }
        }
        var grad = [Double](repeating: 0, count: p)
        for i in 0..<p where gradX[i] != 0 { for j in 0..<p { grad[j] += inputTransform[i * p + j] * gradX[i] } }
        guard wantH else { return (value, grad.map { factor * $0 }, []) }

        // Forward Jacobians U_l = ∂z_l/∂θ (fanOut × P); H = Σ_l U_lᵀ diag(ā_l σ''(z_l)) U_l.
        var H = [Double](repeating: 0, count: p * p)
        weights.withUnsafeBufferPointer { w in
            let (fi0, fo0) = layers[0]
            var U = [Double](repeating: 0, count: fo0 * p)
            BLAS.gemm(transA: false, transB: false, m: fo0, n: p, k: fi0, alpha: 1, a: w.baseAddress! + architecture.offsets(0).weight,
                      lda: fi0, b: inputTransform, ldb: p, beta: 0, c: &U, ldc: p)
            for l in 0..<(L - 1) {
                let n = layers[l].fanOut
                let zl = trace.z[l]
                var J = U
                var M = U
                for r in 0..<n {
                    let (_, d1, d2) = architecture.activation.derivatives(zl[r])
                    let c = abar[l][r] * d2
                    for k in 0..<p { J[r * p + k] *= d1; M[r * p + k] *= c }
                }
                BLAS.gemm(transA: true, transB: false, m: p, n: p, k: n, alpha: 1, a: U, lda: p, b: M, ldb: p,
                          beta: 1, c: &H, ldc: p)
                if l + 1 < L - 1 {
                    let (fi, fo) = layers[l + 1]
                    var next = [Double](repeating: 0, count: fo * p)
                    BLAS.gemm(transA: false, transB: false, m: fo, n: p, k: fi, alpha: 1,
                              a: w.baseAddress! + architecture.offsets(l + 1).weight, lda: fi, b: J, ldb: p,
                              beta: 0, c: &next, ldc: p)
                    U = next
                } else if architecture.outputStructure == .sumOfSquares && o == 0 {
                    // ∇z_k of the M target components (rows 0..<M of the output layer), M × P.
                    let fi = layers[L - 1].fanIn, m = architecture.components
                    var Z = [Double](repeating: 0, count: m * p)
                    BLAS.gemm(transA: false, transB: false, m: m, n: p, k: fi, alpha: 1,
                              a: w.baseAddress! + architecture.offsets(L - 1).weight, lda: fi, b: J, ldb: p,
                              beta: 0, c: &Z, ldc: p)
                    BLAS.gemm(transA: true, transB: false, m: p, n: p, k: m, alpha: 2 * outputScale[o], a: Z, lda: p, b: Z, ldb: p,
                              beta: 1, c: &H, ldc: p)
                }
            }
        }
        // Symmetrise against rounding.
        for i in 0..<p { for j in 0..<i { let m = 0.5 * (H[i * p + j] + H[j * p + i]); H[i * p + j] = m; H[j * p + i] = m } }
        // f = shift + d(g): ∇f = d'(g)∇g, ∇²f from the transform.
        transform.inverseHessian(g, gradient: grad, hessian: &H)
        return (value, grad.map { factor * $0 }, H)
    }

    /// Pre-activations of every layer at θ (the last one is the raw network output).
    func forward(_ theta: [Double]) -> (z: [[Double]], a: [[Double]]) {
        BLAS.require()
        precondition(theta.count == architecture.inputs, "θ has \(theta.count) values, the network \(architecture.inputs)")
        var x = Self.transform(theta, mean: inputMean, matrix: inputTransform)
        var zs: [[Double]] = []
        var acts: [[Double]] = []
        let layers = architecture.layers
        weights.withUnsafeBufferPointer { w in
            for (l, (fi, fo)) in layers.enumerated() {
                let off = architecture.offsets(l)
                var z = Array(w[off.bias..<(off.bias + fo)])
                BLAS.gemm(transA: false, transB: true, m: 1, n: fo, k: fi, alpha: 1, a: x, lda: fi,
                          b: w.baseAddress! + off.weight, ldb: fi, beta: 1, c: &z, ldc: fo)
                zs.append(z)
                if l < layers.count - 1 {
                    x = z.map { architecture.activation.value($0) }
                    acts.append(x)
                }
            }
        }
        return (zs, acts)
    }

    /// x = A·(θ − mean) for one point.
    package static func transform(_ theta: [Double], mean: [Double], matrix a: [Double]) -> [Double] {
        let p = mean.count
        var x = [Double](repeating: 0, count: p)
        for i in 0..<p {
            var s = 0.0
            for j in 0..<p { s += a[i * p + j] * (theta[j] - mean[j]) }
            x[i] = s
        }
        return x
    }
}
