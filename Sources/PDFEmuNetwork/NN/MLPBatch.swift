import PDFEmuCore
import PDFEmuIO
/// Batched forward and backward passes of an MLP through BLAS, with preallocated buffers for up to
/// `capacity` rows. One instance per thread; reused for every batch (no allocation in the hot path).
package final class MLPBatch<T: NNScalar> {
    /// The network's shape.
    package let architecture: MLPArchitecture
    /// Largest batch the buffers hold.
    package let capacity: Int
    private let layers: [(fanIn: Int, fanOut: Int)]
    private let offsets: [(weight: Int, bias: Int)]
    /// Pre-activations of each layer (capacity × fanOut).
    private var z: [UnsafeMutablePointer<T>]
    /// Activations of each hidden layer (capacity × fanOut).
    private var a: [UnsafeMutablePointer<T>]
    /// Gradient buffers for back-propagation (capacity × max width), two to ping-pong.
    private var d0: UnsafeMutablePointer<T>
    private var d1: UnsafeMutablePointer<T>
    private let maxWidth: Int

    /// Allocates buffers for batches of up to `capacity` rows.
    package init(_ architecture: MLPArchitecture, capacity: Int) {
        BLAS.require()
        self.architecture = architecture
        self.capacity = capacity
        layers = architecture.layers
        offsets = (0..<layers.count).map { architecture.offsets($0) }
        z = layers.map { UnsafeMutablePointer<T>.allocate(capacity: capacity * $0.fanOut) }
        a = layers.dropLast().map { UnsafeMutablePointer<T>.allocate(capacity: capacity * $0.fanOut) }
        maxWidth = ([architecture.inputs] + architecture.hidden + [architecture.networkOutputs]).max()!
        d0 = .allocate(capacity: capacity * maxWidth)
        d1 = .allocate(capacity: capacity * maxWidth)
    }

    deinit {
        z.forEach { $0.deallocate() }
        a.forEach { $0.deallocate() }
        d0.deallocate()
        d1.deallocate()
    }

    /// Forward pass of `rows` inputs (rows × inputs, row-major). Returns a pointer to the last layer
    /// (rows × networkOutputs, before the output structure's head), valid until the next call.
    @discardableResult
    package func forward(parameters p: UnsafePointer<T>, input x: UnsafePointer<T>, rows: Int) -> UnsafePointer<T> {
        precondition(rows <= capacity)
        var prev = x
        for (l, layer) in layers.enumerated() {
            let zl = z[l]
            // z = prev·Wᵀ, then bias and activation fused in one pass (the last layer: bias only).
            T.gemm(transA: false, transB: true, m: rows, n: layer.fanOut, k: layer.fanIn, alpha: 1,
                   a: prev, lda: layer.fanIn, b: p + offsets[l].weight, ldb: layer.fanIn, beta: 0, c: zl, ldc: layer.fanOut)
            let hidden = l < layers.count - 1
            T.biasActivate(hidden ? architecture.activation : nil, z: zl, bias: p + offsets[l].bias,
                           a: hidden ? a[l] : nil, rows: rows, cols: layer.fanOut)
            if hidden { prev = UnsafePointer(a[l]) }
        }
        return UnsafePointer(z[layers.count - 1])
    }

    /// Back-propagates `dOutput` (rows × networkOutputs: ∂loss/∂z of the last layer) through the last
    /// forward pass of the same `input`, writing ∂loss/∂(layer parameters) into `gradient` (overwritten;
    /// a sum of squares' offset, the last parameter, is the caller's).
    package func backward(parameters p: UnsafePointer<T>, input x: UnsafePointer<T>, rows: Int,
                         dOutput: UnsafePointer<T>, gradient g: UnsafeMutablePointer<T>) {
        var dz = UnsafePointer(dOutput)
        var spare = d0, other = d1
        // ∂b of the last layer; the hidden layers' come fused with σ' below.
        T.columnSums(dz, rows: rows, cols: layers[layers.count - 1].fanOut, into: g + offsets[layers.count - 1].bias)
        for l in stride(from: layers.count - 1, through: 0, by: -1) {
            let layer = layers[l]
            let prevAct: UnsafePointer<T> = l == 0 ? x : UnsafePointer(a[l - 1])
            // ∂W = dZᵀ · A_prev
            T.gemm(transA: true, transB: false, m: layer.fanOut, n: layer.fanIn, k: rows, alpha: 1,
                   a: dz, lda: layer.fanOut, b: prevAct, ldb: layer.fanIn, beta: 0, c: g + offsets[l].weight, ldc: layer.fanIn)
            if l > 0 {
                // dA_prev = dZ · W, then dZ_prev = dA_prev ⊙ σ'(Z_prev) and ∂b_prev = Σ_rows dZ_prev in one pass
                T.gemm(transA: false, transB: false, m: rows, n: layer.fanIn, k: layer.fanOut, alpha: 1,
                       a: dz, lda: layer.fanOut, b: p + offsets[l].weight, ldb: layer.fanIn, beta: 0, c: spare, ldc: layer.fanIn)
                T.multiplyByDerivativeAndSum(architecture.activation, z: z[l - 1], a: a[l - 1], g: spare, rows: rows,
                                             cols: layer.fanIn, into: g + offsets[l - 1].bias)
                dz = UnsafePointer(spare)
                swap(&spare, &other)
            }
        }
    }
}
