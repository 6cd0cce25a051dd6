import PDFEmuCore
import PDFEmuIO
/// The floating-point types a network can train in. One file per conformance
/// (`Float+NNScalar.swift`, `Double+NNScalar.swift`), as in swift-numerics.
package protocol NNScalar: BinaryFloatingPoint, HDF5Numeric, Codable {
    /// Row-major C[m×n] = alpha·op(A)·op(B) + beta·C through BLAS.
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Self,
                     a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
                     beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    /// a[i] = σ(z[i]) for `count` elements.
    static func activate(_ kind: Activation, z: UnsafePointer<Self>, a: UnsafeMutablePointer<Self>, count: Int)
    /// g[i] *= σ'(z[i]), given z and a = σ(z).
    static func multiplyByDerivative(_ kind: Activation, z: UnsafePointer<Self>, a: UnsafePointer<Self>,
                                     g: UnsafeMutablePointer<Self>, count: Int)
    /// out[j] = Σ_r x[r·cols + j].
    static func columnSums(_ x: UnsafePointer<Self>, rows: Int, cols: Int, into out: UnsafeMutablePointer<Self>)
    /// Fused bias and activation over a rows × cols block: z[r,c] += bias[c], then a[r,c] = σ(z[r,c]);
    /// `kind` nil (the linear last layer): the bias only, `a` untouched.
    static func biasActivate(_ kind: Activation?, z: UnsafeMutablePointer<Self>, bias: UnsafePointer<Self>,
                             a: UnsafeMutablePointer<Self>?, rows: Int, cols: Int)
    /// Fused g[r,c] *= σ'(z[r,c]) (given a = σ(z)) and out[c] = Σ_r g[r,c] of the result (rows × cols).
    static func multiplyByDerivativeAndSum(_ kind: Activation, z: UnsafePointer<Self>, a: UnsafePointer<Self>,
                                           g: UnsafeMutablePointer<Self>, rows: Int, cols: Int, into out: UnsafeMutablePointer<Self>)
    /// y[i] += x[i] for `count` elements.
    static func add(_ x: UnsafePointer<Self>, into y: UnsafeMutablePointer<Self>, count: Int)
    /// The precision this type is.
    static var precision: Precision { get }
}
