import Foundation
import PDFEmuCore
import PDFEmuIO

/// The GEMM rate this machine gives now: the yardstick of a fit's training throughput.
package enum GemmPeak {
    /// GFLOP/s of an n×n×n GEMM in `precision` with the current BLAS threads: the median of 5 timed
    /// batches of about `seconds`/5 each (after a warm-up). Under load from other processes it drops with
    /// the training it is compared to.
    package static func gflops(precision: Precision, size n: Int = 256, seconds: Double = 0.15) -> Double {
        precision == .float64 ? measure(Double.self, n: n, seconds: seconds) : measure(Float.self, n: n, seconds: seconds)
    }

    static func measure<T: NNScalar>(_: T.Type, n: Int, seconds: Double) -> Double {
        rates(T.self, n: n, batchSeconds: seconds / 5, samples: 5).sorted()[2]
    }

    /// GFLOP/s of `samples` timed batches of an n×n×n GEMM in `T` (current BLAS threads), each batch sized by a
    /// warm-up to take about `batchSeconds` (at least half of it). Shared with `pdfemu-bench sgemm`.
    package static func rates<T: NNScalar>(_: T.Type, n: Int, batchSeconds: Double, samples: Int) -> [Double] {
        BLAS.require()
        var rng = SeededGenerator(seed: 7)
        let a = (0..<(n * n)).map { _ in T(rng.nextUniform(in: -1, 1)) }, b = a.reversed() as [T]
        var c = [T](repeating: 0, count: n * n)
        let flops = 2 * Double(n * n * n)
        func clock() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }
        return a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    func call() {
                        T.gemm(transA: false, transB: false, m: n, n: n, k: n, alpha: 1, a: pa.baseAddress!, lda: n,
                               b: pb.baseAddress!, ldb: n, beta: 0, c: pc.baseAddress!, ldc: n)
                    }
                    var reps = 1
                    while true {
                        let t0 = clock()
                        for _ in 0..<reps { call() }
                        if clock() - t0 >= batchSeconds / 2 || reps > 1 << 20 { break }
                        reps *= 2
                    }
                    return (0..<samples).map { _ -> Double in
                        let t0 = clock()
                        for _ in 0..<reps { call() }
                        return flops * Double(reps) / (clock() - t0) * 1e-9
                    }
                }
            }
        }
    }
}

/// Training throughput of a fit: samples per second and the GEMM rate they amount to, as a share of the
/// GEMM peak measured right after training.
package struct TrainingThroughput: Sendable, Codable, Equatable {
    /// Training samples per second (all members; forward, backward, update, validation and shuffling included).
    package var samplesPerSecond: Double
    /// `samplesPerSecond` × the dense layers' FLOP per sample, in GFLOP/s.
    package var gflops: Double
    /// GFLOP/s of a 256³ GEMM in the training precision and threads (`GemmPeak`).
    package var peakGFLOPS: Double
    /// BLAS threads.
    package var threads: Int

    /// `gflops` / `peakGFLOPS`.
    package var share: Double { peakGFLOPS > 0 ? gflops / peakGFLOPS : 0 }

    /// One line for the fit report.
    package func text() -> String {
        "throughput: \(Int(samplesPerSecond.rounded())) training samples/s, \(Fmt.fixed(gflops, 1)) GFLOP/s = "
            + "\(Fmt.fixed(100 * share, 0))% of the 256³ GEMM peak measured after training (\(Fmt.fixed(peakGFLOPS, 1)) GFLOP/s, \(threads) thread\(threads == 1 ? "" : "s"))"
    }
}
