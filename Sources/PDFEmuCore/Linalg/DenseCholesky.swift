/// In-place Cholesky factorisation and solve for small dense symmetric systems (P ≤ ~50), written
/// out in Swift so that each Newton step of the minimiser costs no allocation and no library call.
enum DenseCholesky {
    /// Factors the m×m row-major matrix `a` (stride `m`) into lower L with A = L·Lᵀ, in place
    /// (the lower triangle holds L). Returns false if A is not (numerically) positive definite.
    @inline(__always)
    static func factor(_ a: UnsafeMutablePointer<Double>, _ m: Int) -> Bool {
        for j in 0..<m {
            var d = a[j * m + j]
            for k in 0..<j { d -= a[j * m + k] * a[j * m + k] }
            if !(d > 0) || !d.isFinite { return false }
            let ljj = d.squareRoot()
            a[j * m + j] = ljj
            let inv = 1 / ljj
            var i = j + 1
            while i < m {
                var s = a[i * m + j]
                for k in 0..<j { s -= a[i * m + k] * a[j * m + k] }
                a[i * m + j] = s * inv
                i += 1
            }
        }
        return true
    }

    /// Solves L·Lᵀ x = b in place (`b` becomes x), with L from `factor`.
    @inline(__always)
    static func solve(_ l: UnsafePointer<Double>, _ m: Int, _ b: UnsafeMutablePointer<Double>) {
        for i in 0..<m {
            var s = b[i]
            for k in 0..<i { s -= l[i * m + k] * b[k] }
            b[i] = s / l[i * m + i]
        }
        var i = m - 1
        while i >= 0 {
            var s = b[i]
            var k = i + 1
            while k < m { s -= l[k * m + i] * b[k]; k += 1 }
            b[i] = s / l[i * m + i]
            i -= 1
        }
    }
}
