import PDFEmuCore
import PDFEmuIO
extension Double: NNScalar {
    package static var precision: Precision { .float64 }

    @inline(__always)
    package static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
                            a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
                            beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        BLAS.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                  b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }

    package static func activate(_ kind: Activation, z: UnsafePointer<Double>, a: UnsafeMutablePointer<Double>, count: Int) {
        for i in 0..<count { a[i] = kind.value(z[i]) }
    }

    package static func multiplyByDerivative(_ kind: Activation, z: UnsafePointer<Double>, a: UnsafePointer<Double>,
                                            g: UnsafeMutablePointer<Double>, count: Int) {
        for i in 0..<count { g[i] *= kind.derivative(z[i]) }
    }

    package static func columnSums(_ x: UnsafePointer<Double>, rows: Int, cols: Int, into out: UnsafeMutablePointer<Double>) {
        out.update(repeating: 0, count: cols)
        for r in 0..<rows { for j in 0..<cols { out[j] += x[r * cols + j] } }
    }

    package static func biasActivate(_ kind: Activation?, z: UnsafeMutablePointer<Double>, bias: UnsafePointer<Double>,
                                    a: UnsafeMutablePointer<Double>?, rows: Int, cols: Int) {
        for r in 0..<rows {
            let zr = z + r * cols
            for j in 0..<cols { zr[j] += bias[j] }
            if let kind, let a { for j in 0..<cols { a[r * cols + j] = kind.value(zr[j]) } }
        }
    }

    package static func multiplyByDerivativeAndSum(_ kind: Activation, z: UnsafePointer<Double>, a: UnsafePointer<Double>,
                                                  g: UnsafeMutablePointer<Double>, rows: Int, cols: Int,
                                                  into out: UnsafeMutablePointer<Double>) {
        multiplyByDerivative(kind, z: z, a: a, g: g, count: rows * cols)
        columnSums(g, rows: rows, cols: cols, into: out)
    }

    package static func add(_ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, count: Int) {
        for i in 0..<count { y[i] += x[i] }
    }
}
