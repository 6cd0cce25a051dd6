import CKernels
import Foundation
import PDFEmuCore
import PDFEmuIO

/// A generalised least-squares χ² of a linear model, reduced once to a small triangular system.
///
/// For data D (m points), covariance C = L·Lᵀ and a linear prediction T = A·q (A: m×n),
///
///     χ²(q) = (D − A q)ᵀ C⁻¹ (D − A q) = ‖z − Ã q‖²,   z = L⁻¹D, Ã = L⁻¹A (whitening).
///
/// With the Householder QR Ã = Q·[R; 0] (Q orthogonal m×m, R upper trapezoidal k×n, k = min(m, n)) and
/// z′ = Qᵀz, orthogonality gives
///
///     χ²(q) = ‖z′[0..<k] − R q‖² + Σ_{i ≥ k} z′_i²  =  ‖b − R q‖² + c0,
///
/// where c0 = ‖(I − Q_k Q_kᵀ) z‖² is the part of the whitened data outside Ã's column space: a
/// constant. One evaluation is then a k×n triangular product (k ≤ n) instead of an m×n one, exactly
/// (no approximation; it holds whatever the rank of Ã).
struct ReducedLeastSquares: Sendable {
    /// Rows k = min(m, n) of R.
    let rows: Int
    /// Columns n (the length of q).
    let columns: Int
    /// R [k, n] row-major, zero below the diagonal.
    let r: [Double]
    /// b = (Qᵀ L⁻¹ D)[0..<k].
    let b: [Double]
    /// c0 = Σ_{i ≥ k} (Qᵀ L⁻¹ D)_i².
    let constant: Double
    /// Data points m.
    let ndata: Int

    /// Reduces the χ² of `data` [m] with covariance `covariance` (m×m, symmetric) and design
    /// `design` (column-major m×n). Returns nil if the covariance is not positive definite.
    init?(data: [Double], covariance: [Double], design: [Double], columns n: Int) throws(BLASError) {
        let m = data.count
        guard let l = try BLAS.choleskyColumnMajor(covariance, n: m) else { return nil }
        var a = design
        var z = data
        try BLAS.solveLowerColumnMajor(l, n: m, &a, nrhs: n)
        try BLAS.solveLowerColumnMajor(l, n: m, &z, nrhs: 1)
        let tau = try BLAS.householderQR(&a, m: m, n: n)
        try BLAS.applyQTranspose(qr: a, tau: tau, m: m, n: n, &z, nrhs: 1)
        let k = min(m, n)
        var r = [Double](repeating: 0, count: k * n)
        for i in 0..<k { for j in i..<n { r[i * n + j] = a[j * m + i] } }
        rows = k
        columns = n
        self.r = r
        b = Array(z[0..<k])
        constant = z[k...].reduce(0) { $0 + $1 * $1 }
        ndata = m
    }

    /// The residual b − R q into `out` [k]; returns ‖b − R q‖² + c0. R q by the vectorised dense
    /// matrix–vector kernel of CKernels (AVX-512/AVX2/baseline picked at load time).
    @inline(__always)
    func residual(_ q: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>) -> Double {
        let k = rows
        r.withUnsafeBufferPointer { pdfemu_dense_forward_f64(columns, k, $0.baseAddress!, nil, q, out) }
        var s0 = 0.0, s1 = 0.0
        b.withUnsafeBufferPointer { bb in
            var i = 0
            while i + 2 <= k {
                let d0 = bb[i] - out[i], d1 = bb[i + 1] - out[i + 1]
                out[i] = d0; out[i + 1] = d1
                s0 += d0 * d0; s1 += d1 * d1
                i += 2
            }
            if i < k { let d = bb[i] - out[i]; out[i] = d; s0 += d * d }
        }
        return constant + (s0 + s1)
    }

    /// χ² at q (no residual kept).
    func chi2(_ q: [Double]) -> Double {
        var res = [Double](repeating: 0, count: rows)
        return q.withUnsafeBufferPointer { qb in res.withUnsafeMutableBufferPointer { residual(qb.baseAddress!, $0.baseAddress!) } }
    }

    /// ∂χ²/∂q = −2 Rᵀ (b − R q) [n], with the value.
    func chi2AndGradient(_ q: [Double]) -> (value: Double, gradient: [Double], residual: [Double]) {
        var res = [Double](repeating: 0, count: rows)
        let v = q.withUnsafeBufferPointer { qb in res.withUnsafeMutableBufferPointer { residual(qb.baseAddress!, $0.baseAddress!) } }
        var g = [Double](repeating: 0, count: columns)
        if rows > 0 {
            r.withUnsafeBufferPointer { rb in
                res.withUnsafeBufferPointer { pdfemu_dense_backward_f64(columns, rows, rb.baseAddress!, $0.baseAddress!, &g) }
            }
        }
        for j in 0..<columns { g[j] *= -2 }
        return (v, g, res)
    }

    /// R·J for J [n, p] row-major: [k, p] row-major.
    func times(_ j: [Double], columns p: Int) -> [Double] {
        var out = [Double](repeating: 0, count: rows * p)
        guard rows > 0 else { return out }
        r.withUnsafeBufferPointer { rb in
            j.withUnsafeBufferPointer { jb in
                out.withUnsafeMutableBufferPointer { ob in
                    BLAS.gemm(transA: false, transB: false, m: rows, n: p, k: columns, alpha: 1, a: rb.baseAddress!, lda: columns,
                              b: jb.baseAddress!, ldb: p, beta: 0, c: ob.baseAddress!, ldc: p)
                }
            }
        }
        return out
    }
}
