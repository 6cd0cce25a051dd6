import Foundation
import PDFEmuCore
import PDFEmuIO

extension FKChiSquare {
    /// Evaluates `points` (row-major [N, P], P free parameters) in chunks of `chunk` points spread over
    /// all cores: per chunk, the PDFs, then one BLAS dgemm of the chunk's basis vectors [n, 294]
    /// against every reduced matrix stacked (total, and the experiments' when `perExperiment`), then
    /// the residual norms. The result: total χ² `value` [N], `perExperiment` [N, E] (empty unless asked
    /// for), NaN where undefined with `undefinedReasons` [N] saying why; no spread. Best throughput with single-threaded BLAS calls (`BLAS.setThreads(1)`, as
    /// `TheoryOracle.evaluate` and the `sample` command set): the cores are used by the chunks. `progress` is called
    /// with the number of points done, in order, every 32 chunks.
    package func evaluateBatch(_ points: [Double], perExperiment: Bool = true, chunk: Int = 256,
                              progress: ((Int) -> Void)? = nil) -> BatchPrediction {
        let p = freeIndices.count
        precondition(p > 0 && points.count % p == 0 && chunk > 0, "evaluateBatch: points must be [N, \(p)]")
        let n = points.count / p, nb = parametrisation.basisCount, ne = experimentNames.count
        let blocks: [ReducedLeastSquares?] = [total] + (perExperiment ? experiments : [])
        var offsets: [Int] = [], rowsTotal = 0
        for b in blocks { offsets.append(rowsTotal); rowsTotal += b?.rows ?? 0 }
        var stacked = [Double](repeating: 0, count: rowsTotal * nb)
        for (k, b) in blocks.enumerated() {
            guard let b else { continue }
            for i in 0..<(b.rows * nb) { stacked[offsets[k] * nb + i] = b.r[i] }
        }
        let width = 1 + (perExperiment ? ne : 0)
        /// One chunk: χ² values [m, width] (NaN where undefined) and the undefined rows.
        func evaluateChunk(_ start: Int, _ m: Int) -> (values: [Double], undefined: [(row: Int, reason: UndefinedPoint)]) {
            var q = [Double](repeating: 0, count: m * nb)
            var ok = [Bool](repeating: false, count: m)
            var undefined: [(row: Int, reason: UndefinedPoint)] = []
            for i in 0..<m {
                let row = start + i
                switch pdfs(at: Array(points[(row * p)..<((row + 1) * p)])) {
                case .success(let v):
                    v.basis.withUnsafeBufferPointer { vb in for j in 0..<nb { q[i * nb + j] = vb[j] } }
                    ok[i] = true
                case .failure(let why): undefined.append((row, why))
                }
            }
            var g = [Double](repeating: 0, count: m * rowsTotal)
            q.withUnsafeBufferPointer { qb in
                stacked.withUnsafeBufferPointer { sb in
                    g.withUnsafeMutableBufferPointer { gb in
                        BLAS.gemm(transA: false, transB: true, m: m, n: rowsTotal, k: nb, alpha: 1, a: qb.baseAddress!, lda: nb,
                                  b: sb.baseAddress!, ldb: nb, beta: 0, c: gb.baseAddress!, ldc: rowsTotal)
                    }
                }
            }
            var values = [Double](repeating: .nan, count: m * width)
            for i in 0..<m where ok[i] {
                for (k, b) in blocks.enumerated() {
                    guard let b else { values[i * width + k] = 0; continue }
                    var s = b.constant
                    let o = i * rowsTotal + offsets[k]
                    for r in 0..<b.rows { let d = b.b[r] - g[o + r]; s += d * d }
                    values[i * width + k] = s
                }
                if !values[i * width].isFinite {
                    undefined.append((start + i, .overflow(detail: "χ² is \(values[i * width])")))
                    for k in 0..<width { values[i * width + k] = .nan }
                }
            }
            return (values, undefined)
        }
        var chi2 = [Double](repeating: .nan, count: n)
        var perExp = perExperiment ? [Double](repeating: .nan, count: n * ne) : []
        var reasons = [String?](repeating: nil, count: n)
        let chunks = (n + chunk - 1) / chunk
        var first = 0
        while first < chunks {
            let group = min(32, chunks - first)
            let parts = Parallel.map(group) { j -> (values: [Double], undefined: [(row: Int, reason: UndefinedPoint)]) in
                let start = (first + j) * chunk
                return evaluateChunk(start, min(chunk, n - start))
            }
            for (j, part) in parts.enumerated() {
                let start = (first + j) * chunk
                for i in 0..<(part.values.count / width) {
                    chi2[start + i] = part.values[i * width]
                    if perExperiment { for k in 0..<ne { perExp[(start + i) * ne + k] = part.values[i * width + 1 + k] } }
                }
                for u in part.undefined { reasons[u.row] = u.reason.description }
            }
            first += group
            progress?(min(n, first * chunk))
        }
        return BatchPrediction(exactValue: chi2, perExperiment: perExp, undefinedReasons: reasons)
    }
}
