import Foundation

/// χ² of many points at once (see `FKChiSquare.evaluateBatch`).
public struct TheoryBatchResult: Sendable {
    /// Total χ² [N] (NaN where undefined).
    public var chi2: [Double]
    /// Per-experiment χ² [N, E] row-major (empty unless asked for; NaN rows where undefined).
    public var perExperiment: [Double]
    /// The undefined rows and why, in row order.
    public var undefined: [(row: Int, reason: UndefinedPoint)]

    /// One line counting the undefined rows by kind ("" if none), e.g.
    /// "3 of 1000 points undefined (written as NaN): 3 Beta-function argument ≤ 0; first: row 17: …".
    public func undefinedNote() -> String {
        guard let first = undefined.first else { return "" }
        var counts: [String: Int] = [:]
        for u in undefined { counts[u.reason.kind, default: 0] += 1 }
        let kinds = counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        return "\(undefined.count) of \(chi2.count) points undefined (written as NaN): \(kinds); first: row \(first.row): \(first.reason)"
    }
}

extension FKChiSquare {
    /// Evaluates `points` (row-major [N, P], P free parameters) in chunks: the PDFs of a chunk in
    /// parallel, then one BLAS dgemm of the chunk's basis vectors [n, 294] against every reduced
    /// matrix stacked (total, and the experiments' when `perExperiment`), then the residual norms.
    /// `progress` is called with the number of points done after each chunk.
    public func evaluateBatch(_ points: [Double], perExperiment: Bool = true, chunk: Int = 2048,
                              progress: ((Int) -> Void)? = nil) -> TheoryBatchResult {
        let p = freeIndices.count
        precondition(p > 0 && points.count % p == 0, "evaluateBatch: points must be [N, \(p)]")
        let n = points.count / p, nb = parametrisation.basisCount, ne = experimentNames.count
        let blocks: [ReducedLeastSquares?] = [total] + (perExperiment ? experiments : [])
        var offsets: [Int] = [], rowsTotal = 0
        for b in blocks { offsets.append(rowsTotal); rowsTotal += b?.rows ?? 0 }
        var stacked = [Double](repeating: 0, count: rowsTotal * nb)
        for (k, b) in blocks.enumerated() {
            guard let b else { continue }
            for i in 0..<(b.rows * nb) { stacked[offsets[k] * nb + i] = b.r[i] }
        }
        var result = TheoryBatchResult(chi2: [Double](repeating: .nan, count: n),
                                       perExperiment: perExperiment ? [Double](repeating: .nan, count: n * ne) : [],
                                       undefined: [])
        var start = 0
        while start < n {
            let m = min(chunk, n - start)
            let evals: [Result<[Double], UndefinedPoint>] = Parallel.map(m) { i in
                let row = start + i
                return pdfs(at: Array(points[(row * p)..<((row + 1) * p)])).map(\.basis)
            }
            var q = [Double](repeating: 0, count: m * nb)
            for (i, e) in evals.enumerated() {
                switch e {
                case .success(let v): for j in 0..<nb { q[i * nb + j] = v[j] }
                case .failure(let why): result.undefined.append((start + i, why))
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
            for (i, e) in evals.enumerated() {
                guard case .success = e else { continue }
                var values = [Double](repeating: 0, count: blocks.count)
                for (k, b) in blocks.enumerated() {
                    guard let b else { continue }
                    var s = b.constant
                    for r in 0..<b.rows { let d = b.b[r] - g[i * rowsTotal + offsets[k] + r]; s += d * d }
                    values[k] = s
                }
                if !values[0].isFinite {
                    result.undefined.append((start + i, .overflow(detail: "χ² is \(values[0])")))
                    continue
                }
                result.chi2[start + i] = values[0]
                if perExperiment { for k in 0..<ne { result.perExperiment[(start + i) * ne + k] = values[1 + k] } }
            }
            start += m
            progress?(start)
        }
        result.undefined.sort { $0.row < $1.row }
        return result
    }
}
