import PDFEmuCore
import PDFEmuIO
/// The exact χ² as a `ScalarModel` over its free parameters: what scans, minimisers and samplers use.
/// Undefined points give NaN values (the minimiser rejects non-finite trial steps). Exact model:
/// no spread, no training region. `startingPoints` (best first) default to
/// `HERAParametrisation.startingValues`; replace them, e.g. with `startingPoints(fromScan:)`.
extension FKChiSquare: ScalarModel {
    package func value(at theta: [Double]) -> Double {
        (try? chi2(at: theta).get()) ?? .nan
    }

    package func valueAndGradient(at theta: [Double]) -> (value: Double, gradient: [Double]) {
        (try? chi2AndGradient(at: theta).get())
            ?? (.nan, [Double](repeating: .nan, count: freeIndices.count))
    }

    /// Value, gradient and the exact Hessian (`HessianKind.exact`).
    package func valueGradientHessian(at theta: [Double]) -> (value: Double, gradient: [Double], hessian: [Double]) {
        let p = freeIndices.count
        return (try? chi2GradientHessian(at: theta).get())
            ?? (.nan, [Double](repeating: .nan, count: p), [Double](repeating: .nan, count: p * p))
    }

    package func prediction(at theta: [Double]) -> Prediction {
        switch chi2PerExperiment(at: theta) {
        case .success(let r): return Prediction(value: r.total, spread: 0, perExperiment: r.perExperiment)
        case .failure: return Prediction(value: .nan, spread: 0, perExperiment: [Double](repeating: .nan, count: experimentNames.count))
        }
    }

    /// The exact χ² and per-experiment χ² at N points through `evaluateBatch` (NaN rows where undefined, with reasons).
    package func predictBatch(_ points: [Double]) -> BatchPrediction { evaluateBatch(points) }

    /// `evaluateBatch`; without `perExperiment` only the total χ² is computed.
    package func predictBatch(_ points: [Double], perExperiment: Bool) -> BatchPrediction {
        evaluateBatch(points, perExperiment: perExperiment)
    }
}

extension FKChiSquare {
    /// The `count` lowest-χ² points of a scan file (its /chi2 and /parameters, columns matched to
    /// `parameterNames` by /parameter_names), best first: starting points for minimisation from a
    /// known valley. Rows with a non-finite χ² are skipped.
    package func startingPoints(fromScan path: String, count: Int = 8) throws -> [[Double]] {
        let points: [Double]
        do { points = try OraclePoints.read(path).columns(parameterNames) } catch let e as OracleError {
            throw PDFEmuError(file: path, "\(e.message)")
        }
        let f = try HDF5File(open: path)
        let chi2: (shape: [Int], values: [Double]) = try f.read("/chi2")
        let p = parameterNames.count, n = points.count / p
        guard chi2.values.count == n else { throw PDFEmuError(file: path, "/chi2 has \(chi2.values.count) values but /parameters has \(n) rows") }
        let order = (0..<n).filter { chi2.values[$0].isFinite }.sorted { chi2.values[$0] < chi2.values[$1] }
        guard !order.isEmpty else { throw PDFEmuError(file: path, "/chi2 has no finite values") }
        return order.prefix(count).map { Array(points[($0 * p)..<(($0 + 1) * p)]) }
    }
}
