/// The exact χ² as a `ScalarModel` over its free parameters: what scans, minimisers and samplers use.
/// Undefined points give NaN values (the minimiser rejects non-finite trial steps). Exact model:
/// no spread, no training region. `startingPoints` (best first) default to
/// `HERAParametrisation.startingValues`; replace them, e.g. with `startingPoints(fromScan:)`.
extension FKChiSquare: ScalarModel {
    public func value(at theta: [Double]) -> Double {
        (try? chi2(at: theta).get()) ?? .nan
    }

    public func valueAndGradient(at theta: [Double]) -> (value: Double, gradient: [Double]) {
        (try? chi2AndGradient(at: theta).get())
            ?? (.nan, [Double](repeating: .nan, count: freeIndices.count))
    }

    /// Value, gradient and the exact Hessian (`HessianKind.exact`).
    public func valueGradientHessian(at theta: [Double]) -> (value: Double, gradient: [Double], hessian: [Double]) {
        let p = freeIndices.count
        return (try? chi2GradientHessian(at: theta).get())
            ?? (.nan, [Double](repeating: .nan, count: p), [Double](repeating: .nan, count: p * p))
    }

    public func prediction(at theta: [Double]) -> Prediction {
        switch chi2PerExperiment(at: theta) {
        case .success(let r): return Prediction(value: r.total, spread: 0, perExperiment: r.perExperiment)
        case .failure: return Prediction(value: .nan, spread: 0, perExperiment: [Double](repeating: .nan, count: experimentNames.count))
        }
    }
}
