import CBLASLoader

/// Failure to load or use the BLAS/LAPACK library.
package struct BLASError: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    package var message: String
    package var description: String { message }
}

/// What BLAS pdfemu uses, as `pdfemu info` reports it.
package struct BLASInfo: Sendable, Codable {
    /// The shared library file loaded.
    package var library: String
    /// OpenBLAS's name of the kernels in use (e.g. "SkylakeX").
    package var kernel: String
    /// OpenBLAS's build configuration.
    package var config: String
    /// Threads OpenBLAS uses.
    package var threads: Int
    /// OPENBLAS_CORETYPE at load time ("" if unset).
    package var coretype: String
    /// True if pdfemu chose the core type (the user had not set OPENBLAS_CORETYPE).
    package var coretypeChosenByPDFEmu: Bool
    /// Vector instruction level of this CPU: "avx512", "avx2" or "baseline".
    package var cpuLevel: String
}

/// Dense linear algebra through OpenBLAS, loaded on first use with the right kernels for this CPU.
package enum BLAS {
    /// Loads the library if needed; throws if it cannot be loaded.
    package static func ensureLoaded() throws(BLASError) {
        if pdfemu_blas_load() != 0 {
            throw BLASError(message: String(cString: pdfemu_blas_error()))
        }
    }

    /// Loads the library or stops the process with its one-line reason. Used by compute paths that
    /// cannot proceed without BLAS (loading is checked up front by the CLI and by `Emulator.load`).
    @inline(__always) package static func require() {
        if pdfemu_blas_load() != 0 { fatalError(String(cString: pdfemu_blas_error())) }
    }

    /// The library, kernels and thread count in use.
    package static func info() throws(BLASError) -> BLASInfo {
        try ensureLoaded()
        return BLASInfo(library: String(cString: pdfemu_blas_library()),
                        kernel: String(cString: pdfemu_blas_corename()),
                        config: String(cString: pdfemu_blas_config()),
                        threads: Int(pdfemu_blas_get_threads()),
                        coretype: String(cString: pdfemu_blas_coretype_env()),
                        coretypeChosenByPDFEmu: pdfemu_blas_coretype_chosen() != 0,
                        cpuLevel: String(cString: pdfemu_cpu_level()))
    }

    /// Sets the number of OpenBLAS threads.
    package static func setThreads(_ n: Int) {
        require()
        pdfemu_blas_set_threads(Int32(n))
    }

    /// Row-major C[m×n] = alpha·op(A)·op(B) + beta·C, single precision.
    @inline(__always)
    package static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                            a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                            beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        pdfemu_sgemm(transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda),
                     b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Row-major C[m×n] = alpha·op(A)·op(B) + beta·C, double precision.
    @inline(__always)
    package static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
                            a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
                            beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        pdfemu_dgemm(transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda),
                     b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Eigen-decomposition of a symmetric n×n matrix (row-major). Eigenvalues ascending; eigenvector i
    /// is row i of `vectors` (n×n, row-major).
    package static func symmetricEigen(_ a: [Double], n: Int) throws(BLASError) -> (values: [Double], vectors: [Double]) {
        try ensureLoaded()
        var m = a  // symmetric: row-major == column-major
        var w = [Double](repeating: 0, count: n)
        let info = pdfemu_dsyev(CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "U")), Int32(n), &m, Int32(n), &w)
        if info != 0 { throw BLASError(message: "LAPACK dsyev failed (info \(info))") }
        // Column j of the column-major result is eigenvector j: as row-major, that is row j. Done.
        return (w, m)
    }

    /// Inverse of a symmetric positive-definite n×n matrix by Cholesky; nil if not positive definite.
    package static func spdInverse(_ a: [Double], n: Int) throws(BLASError) -> [Double]? {
        try ensureLoaded()
        var m = a
        if pdfemu_dpotrf(CChar(UInt8(ascii: "L")), Int32(n), &m, Int32(n)) != 0 { return nil }
        if pdfemu_dpotri(CChar(UInt8(ascii: "L")), Int32(n), &m, Int32(n)) != 0 { return nil }
        // The lower triangle (column-major) holds the inverse: mirror it.
        for i in 0..<n { for j in 0..<i { m[i * n + j] = m[j * n + i] } }
        return m
    }

    /// Cholesky factor L (row-major, lower) with A = L·Lᵀ; nil if not positive definite.
    package static func cholesky(_ a: [Double], n: Int) throws(BLASError) -> [Double]? {
        try ensureLoaded()
        var m = a
        // Column-major upper factor U (A = UᵀU) is, read row-major, the lower L = Uᵀ.
        if pdfemu_dpotrf(CChar(UInt8(ascii: "U")), Int32(n), &m, Int32(n)) != 0 { return nil }
        for i in 0..<n { for j in (i + 1)..<max(i + 1, n) { m[i * n + j] = 0 } }
        return m
    }

    // MARK: - Column-major LAPACK helpers (least-squares reductions)

    /// Cholesky factor of a symmetric positive-definite n×n matrix in LAPACK's column-major layout:
    /// returns L (lower triangle, column-major, upper part zeroed) with A = L·Lᵀ; nil if A is not
    /// positive definite. (A symmetric matrix reads the same row- or column-major.)
    package static func choleskyColumnMajor(_ a: [Double], n: Int) throws(BLASError) -> [Double]? {
        try ensureLoaded()
        var m = a
        if pdfemu_dpotrf(CChar(UInt8(ascii: "L")), Int32(n), &m, Int32(n)) != 0 { return nil }
        for j in 0..<n { for i in 0..<j { m[j * n + i] = 0 } }
        return m
    }

    /// Solves L·X = B in place for lower-triangular L (column-major n×n, e.g. from
    /// `choleskyColumnMajor`) and B column-major n×nrhs.
    package static func solveLowerColumnMajor(_ l: [Double], n: Int, _ b: inout [Double], nrhs: Int) throws(BLASError) {
        try ensureLoaded()
        guard n > 0, nrhs > 0 else { return }
        let info = pdfemu_dtrtrs(CChar(UInt8(ascii: "L")), CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "N")),
                                 Int32(n), Int32(nrhs), l, Int32(n), &b, Int32(n))
        if info != 0 { throw BLASError(message: "LAPACK dtrtrs failed (info \(info))") }
    }

    /// Householder QR of a column-major m×n matrix in place (LAPACK dgeqrf): afterwards the upper
    /// triangle (trapezoid) holds R and the part below it the reflectors. Returns the reflector
    /// scalars tau [min(m, n)].
    package static func householderQR(_ a: inout [Double], m: Int, n: Int) throws(BLASError) -> [Double] {
        try ensureLoaded()
        var tau = [Double](repeating: 0, count: max(1, min(m, n)))
        guard m > 0, n > 0 else { return [] }
        let info = pdfemu_dgeqrf(Int32(m), Int32(n), &a, Int32(m), &tau)
        if info != 0 { throw BLASError(message: "LAPACK dgeqrf failed (info \(info))") }
        return tau
    }

    /// C := Qᵀ·C in place, with Q (m×m) from `householderQR` of an m×n matrix (`qr`, `tau`) and C
    /// column-major m×nrhs (LAPACK dormqr).
    package static func applyQTranspose(qr: [Double], tau: [Double], m: Int, n: Int, _ c: inout [Double], nrhs: Int) throws(BLASError) {
        try ensureLoaded()
        let k = min(m, n)
        guard m > 0, nrhs > 0, k > 0 else { return }
        let info = pdfemu_dormqr(CChar(UInt8(ascii: "L")), CChar(UInt8(ascii: "T")), Int32(m), Int32(nrhs), Int32(k),
                                 qr, Int32(m), tau, &c, Int32(m))
        if info != 0 { throw BLASError(message: "LAPACK dormqr failed (info \(info))") }
    }
}
