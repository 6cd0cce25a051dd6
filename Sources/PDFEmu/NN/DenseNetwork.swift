/// One trained network in double precision with its input and output scalers, evaluated one point at
/// a time with exact derivatives: value, gradient and Hessian with respect to the raw parameters θ.
/// Immutable and `Sendable`: safe to evaluate from several threads at once.
public struct DenseNetwork: Sendable {
    /// The network's shape.
    public let architecture: MLPArchitecture
    /// Flat parameters (see `MLPArchitecture.tensors`).
    public let weights: [Double]
    /// Input standardisation: x = (θ − inputMean) / inputScale.
    public let inputMean: [Double]
    /// Input standardisation scale.
    public let inputScale: [Double]
    /// Output o in physical units = outputShift[o] + outputScale[o] · network output o.
    public let outputShift: [Double]
    /// Output scale.
    public let outputScale: [Double]
    /// The weights laid out for the one-point kernels (value and gradient without allocation).
    let point: PointLayout

    /// Creates a network from its parts.
    public init(architecture: MLPArchitecture, weights: [Double], inputMean: [Double], inputScale: [Double],
                outputShift: [Double], outputScale: [Double]) {
        precondition(weights.count == architecture.parameterCount)
        self.architecture = architecture
        self.weights = weights
        self.inputMean = inputMean
        self.inputScale = inputScale
        self.outputShift = outputShift
        self.outputScale = outputScale
        point = PointLayout(architecture, weights: weights)
    }

    /// All outputs in physical units at θ.
    public func outputs(at theta: [Double]) -> [Double] {
        precondition(theta.count == architecture.inputs, "θ has \(theta.count) values, the network \(architecture.inputs)")
        return [Double](unsafeUninitializedCapacity: architecture.outputs) { out, n in
            theta.withUnsafeBufferPointer { pointOutputs($0.baseAddress!, into: out.baseAddress!) }
            n = architecture.outputs
        }
    }

    /// Output `o` with its gradient, and its Hessian if `hessian` (P×P row-major, else empty).
    public func derivatives(at theta: [Double], output o: Int = 0, hessian wantH: Bool)
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
        let value = outputShift[o] + outputScale[o] * trace.z[L - 1][o]
        // Adjoints ā_l = ∂f/∂a_l for hidden layers (f = physical output o).
        var abar = [[Double]](repeating: [], count: L)
        var top = [Double](repeating: 0, count: layers[L - 1].fanOut)
        top[o] = outputScale[o]
        // dz of the output layer is `top` (linear output).
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
        let grad = (0..<p).map { gradX[$0] / inputScale[$0] }
        guard wantH else { return (value, grad, []) }

        // Forward Jacobians U_l = ∂z_l/∂θ (fanOut × P); H = Σ_l U_lᵀ diag(ā_l σ''(z_l)) U_l.
        var H = [Double](repeating: 0, count: p * p)
        weights.withUnsafeBufferPointer { w in
            let (fi0, fo0) = layers[0]
            var U = [Double](repeating: 0, count: fo0 * p)
            let w0 = w.baseAddress! + architecture.offsets(0).weight
            for r in 0..<fo0 { for c in 0..<fi0 { U[r * p + c] = w0[r * fi0 + c] / inputScale[c] } }
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
                }
            }
        }
        // Symmetrise against rounding.
        for i in 0..<p { for j in 0..<i { let m = 0.5 * (H[i * p + j] + H[j * p + i]); H[i * p + j] = m; H[j * p + i] = m } }
        return (value, grad, H)
    }

    /// Pre-activations of every layer at θ (the last one is the raw network output).
    func forward(_ theta: [Double]) -> (z: [[Double]], a: [[Double]]) {
        BLAS.require()
        precondition(theta.count == architecture.inputs, "θ has \(theta.count) values, the network \(architecture.inputs)")
        var x = (0..<theta.count).map { (theta[$0] - inputMean[$0]) / inputScale[$0] }
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
}
