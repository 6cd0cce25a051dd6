import CKernels
import PDFEmuCore
import PDFEmuIO

extension Float: NNScalar {
    package static var precision: Precision { .float32 }

    @inline(__always)
    package static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                            a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                            beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        BLAS.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                  b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }

    package static func activate(_ kind: Activation, z: UnsafePointer<Float>, a: UnsafeMutablePointer<Float>, count: Int) {
        if let code = kind.kernelCode { pdfemu_act_forward_f32(code, z, a, count); return }
        for i in 0..<count { a[i] = Float(kind.value(Double(z[i]))) }
    }

    package static func multiplyByDerivative(_ kind: Activation, z: UnsafePointer<Float>, a: UnsafePointer<Float>,
                                            g: UnsafeMutablePointer<Float>, count: Int) {
        if let code = kind.kernelCode { pdfemu_act_backward_f32(code, z, a, g, count); return }
        for i in 0..<count { g[i] *= Float(kind.derivative(Double(z[i]))) }
    }

    package static func biasActivate(_ kind: Activation?, z: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>,
                                    a: UnsafeMutablePointer<Float>?, rows: Int, cols: Int) {
        guard let kind, let a else { pdfemu_bias_act_f32(-1, z, bias, nil, rows, cols); return }
        if let code = kind.kernelCode { pdfemu_bias_act_f32(code, z, bias, a, rows, cols); return }
        pdfemu_bias_act_f32(-1, z, bias, nil, rows, cols)
        activate(kind, z: z, a: a, count: rows * cols)
    }

    package static func multiplyByDerivativeAndSum(_ kind: Activation, z: UnsafePointer<Float>, a: UnsafePointer<Float>,
                                                  g: UnsafeMutablePointer<Float>, rows: Int, cols: Int,
                                                  into out: UnsafeMutablePointer<Float>) {
        if let code = kind.kernelCode { pdfemu_act_backward_colsum_f32(code, z, a, g, rows, cols, out); return }
        multiplyByDerivative(kind, z: z, a: a, g: g, count: rows * cols)
        columnSums(g, rows: rows, cols: cols, into: out)
    }

    package static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        pdfemu_add_f32(y, x, count)
    }

    package static func columnSums(_ x: UnsafePointer<Float>, rows: Int, cols: Int, into out: UnsafeMutablePointer<Float>) {
        pdfemu_colsum_f32(x, rows, cols, out)
    }
}

extension Activation {
    /// The code of the vectorised C kernel (CKernels), if there is one.
    var kernelCode: Int32? {
        switch self {
        case .tanh: return 0
        case .silu: return 1
        case .softplus: return 2
        case .gelu: return nil
        }
    }
}
