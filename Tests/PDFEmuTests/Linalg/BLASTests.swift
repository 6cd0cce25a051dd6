import Foundation
import XCTest
@testable import PDFEmuCore
import PDFEmuTestSupport

/// BLAS/LAPACK wrappers against naive loops on small matrices.
final class BLASTests: XCTestCase {

    /// Naive row-major C = alpha op(A) op(B) + beta C with leading dimensions.
    func naiveGemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double, a: [Double], lda: Int,
                   b: [Double], ldb: Int, beta: Double, c: [Double], ldc: Int) -> [Double] {
        var out = c
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for l in 0..<k {
                    let av = transA ? a[l * lda + i] : a[i * lda + l]
                    let bv = transB ? b[j * ldb + l] : b[l * ldb + j]
                    s += av * bv
                }
                out[i * ldc + j] = alpha * s + beta * c[i * ldc + j]
            }
        }
        return out
    }

    func testGemmDoubleAndFloatAllTransposes() throws {
        try BLAS.ensureLoaded()
        var rng = SeededGenerator(seed: 1)
        let m = 5, n = 7, k = 3
        for transA in [false, true] {
            for transB in [false, true] {
                // Leading dimensions wider than the matrices, to check strides.
                let lda = (transA ? m : k) + 2, ldb = (transB ? k : n) + 1, ldc = n + 3
                let a = rng.array((transA ? k : m) * lda)
                let b = rng.array((transB ? n : k) * ldb)
                let c0 = rng.array(m * ldc)
                let alpha = 1.5, beta = -0.5
                let want = naiveGemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                                     b: b, ldb: ldb, beta: beta, c: c0, ldc: ldc)
                var c = c0
                BLAS.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b,
                          ldb: ldb, beta: beta, c: &c, ldc: ldc)
                for i in 0..<c.count { XCTAssertEqual(c[i], want[i], accuracy: 1e-13, "double tA=\(transA) tB=\(transB) [\(i)]") }

                var cf = c0.map(Float.init)
                let af = a.map(Float.init), bf = b.map(Float.init)
                BLAS.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: Float(alpha), a: af, lda: lda,
                          b: bf, ldb: ldb, beta: Float(beta), c: &cf, ldc: ldc)
                let wantF = naiveGemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                                      a: af.map(Double.init), lda: lda, b: bf.map(Double.init), ldb: ldb, beta: beta,
                                      c: c0.map { Double(Float($0)) }, ldc: ldc)
                for i in 0..<cf.count { XCTAssertEqual(Double(cf[i]), wantF[i], accuracy: 1e-5, "float tA=\(transA) tB=\(transB) [\(i)]") }
            }
        }
    }

    func testGemmLargeEnoughForVectorKernels() throws {
        // 67×45×33: odd sizes exercise the kernels' edge handling.
        var rng = SeededGenerator(seed: 7)
        let m = 67, n = 45, k = 33
        let a = rng.array(m * k), b = rng.array(k * n)
        var c = [Double](repeating: 0, count: m * n)
        BLAS.gemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n, beta: 0, c: &c, ldc: n)
        let want = naiveGemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n,
                             beta: 0, c: c, ldc: n)
        for i in 0..<c.count { XCTAssertEqual(c[i], want[i], accuracy: 1e-12) }
    }

    /// A random symmetric positive-definite n×n matrix B Bᵀ + n I.
    func spd(_ n: Int, seed: UInt64) -> [Double] {
        var rng = SeededGenerator(seed: seed)
        let b = rng.array(n * n)
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n {
            var s = 0.0
            for l in 0..<n { s += b[i * n + l] * b[j * n + l] }
            a[i * n + j] = s + (i == j ? Double(n) : 0)
        } }
        return a
    }

    func testSymmetricEigen() throws {
        let n = 6
        var rng = SeededGenerator(seed: 3)
        let r = rng.array(n * n)
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { a[i * n + j] = r[i * n + j] + r[j * n + i] } }  // symmetric, indefinite
        let (values, vectors) = try BLAS.symmetricEigen(a, n: n)
        XCTAssertEqual(values.count, n)
        XCTAssertEqual(values, values.sorted(), "eigenvalues ascending")
        XCTAssertLessThan(values[0], 0)
        for i in 0..<n {
            let v = Array(vectors[(i * n)..<((i + 1) * n)])  // eigenvector i is row i
            for r in 0..<n {
                var av = 0.0
                for c in 0..<n { av += a[r * n + c] * v[c] }
                XCTAssertEqual(av, values[i] * v[r], accuracy: 1e-12, "A v = λ v for eigenpair \(i)")
            }
            for j in 0..<n {
                let dot = (0..<n).reduce(0.0) { $0 + v[$1] * vectors[j * n + $1] }
                XCTAssertEqual(dot, i == j ? 1 : 0, accuracy: 1e-12, "orthonormal \(i),\(j)")
            }
        }
        // A diagonal matrix: eigenvalues are the diagonal, sorted.
        let d = try BLAS.symmetricEigen([3, 0, 0, 0, -1, 0, 0, 0, 2], n: 3)
        XCTAssertEqual(d.values, [-1, 2, 3])
        XCTAssertEqual(abs(d.vectors[1]), 1)  // eigenvector of -1 is ±e₁
    }

    func testSPDInverse() throws {
        let n = 5
        let a = spd(n, seed: 11)
        let inv = try XCTUnwrap(try BLAS.spdInverse(a, n: n))
        for i in 0..<n { for j in 0..<n {
            var s = 0.0
            for l in 0..<n { s += a[i * n + l] * inv[l * n + j] }
            XCTAssertEqual(s, i == j ? 1 : 0, accuracy: 1e-12, "A·A⁻¹ at \(i),\(j)")
            XCTAssertEqual(inv[i * n + j], inv[j * n + i], "inverse symmetric")
        } }
        // Indefinite: nil.
        XCTAssertNil(try BLAS.spdInverse([1, 2, 2, 1], n: 2))
        XCTAssertEqual(try BLAS.spdInverse([4], n: 1), [0.25])
    }

    func testCholesky() throws {
        let n = 4
        let a = spd(n, seed: 5)
        let l = try XCTUnwrap(try BLAS.cholesky(a, n: n))
        for i in 0..<n {
            XCTAssertGreaterThan(l[i * n + i], 0)
            for j in (i + 1)..<n { XCTAssertEqual(l[i * n + j], 0, "upper triangle zero") }
        }
        for i in 0..<n { for j in 0..<n {
            var s = 0.0
            for k in 0..<n { s += l[i * n + k] * l[j * n + k] }
            XCTAssertEqual(s, a[i * n + j], accuracy: 1e-12, "L·Lᵀ at \(i),\(j)")
        } }
        XCTAssertNil(try BLAS.cholesky([1, 0, 0, -1], n: 2))
        XCTAssertEqual(try BLAS.cholesky([9, 3, 3, 5], n: 2), [3, 0, 1, 2])
    }

    func testInfoNamesKernel() throws {
        let info = try BLAS.info()
        XCTAssertFalse(info.kernel.isEmpty)
        XCTAssertNotEqual(info.kernel, "unknown")
        XCTAssertGreaterThanOrEqual(info.threads, 1)
        XCTAssertTrue(["avx512", "avx2", "baseline"].contains(info.cpuLevel))
        if info.coretypeChosenByPDFEmu {
            // The choice applied to the load only: child processes inherit the user's environment.
            XCTAssertNil(getenv("OPENBLAS_CORETYPE"), "pdfemu's OPENBLAS_CORETYPE leaked into the environment")
            XCTAssertFalse(info.coretype.isEmpty)
        }
    }
}

extension SeededGenerator {
    /// n values uniform in [−1, 1).
    mutating func array(_ n: Int) -> [Double] { (0..<n).map { _ in nextUniform(in: -1, 1) } }
}
