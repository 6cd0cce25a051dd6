/// Predictions of a model at N points at once (`ScalarModel.predictBatch`): the one batch-result shape.
public struct BatchPrediction: Sendable, Equatable {
    /// The value (for an ensemble, the mean) at each point [N]; NaN where the model is undefined.
    public var value: [Double]
    /// Its spread [N]: calibrated when the model has a calibration, else the raw spread (0 for one
    /// network and for exact models).
    public var spread: [Double]
    /// The raw ensemble standard deviation [N].
    public var rawSpread: [Double]
    /// Per-experiment values [N×E] row-major (empty if the model has no per-experiment outputs).
    public var perExperiment: [Double]
    /// Why each row is undefined [N] (nil for a defined row); empty when the model gives no reasons
    /// (a NaN value alone then marks an undefined row).
    public var undefinedReasons: [String?]

    /// Creates a batch result from its arrays.
    package init(value: [Double], spread: [Double], rawSpread: [Double], perExperiment: [Double], undefinedReasons: [String?] = []) {
        self.value = value; self.spread = spread; self.rawSpread = rawSpread; self.perExperiment = perExperiment
        self.undefinedReasons = undefinedReasons
    }

    /// An exact model's result: `value` [N], no spread, per-experiment values [N×E] (may be empty).
    package init(exactValue value: [Double], perExperiment: [Double], undefinedReasons: [String?] = []) {
        let zeros = [Double](repeating: 0, count: value.count)
        self.init(value: value, spread: zeros, rawSpread: zeros, perExperiment: perExperiment, undefinedReasons: undefinedReasons)
    }
}

extension ScalarModel {
    /// `predictBatch` point by point (`prediction(at:)` on every core): what a model with no faster
    /// batch path returns from its `predictBatch`. `points` is [N, P] row-major.
    package func pointwiseBatch(_ points: [Double]) -> BatchPrediction {
        let p = parameterNames.count
        precondition(p > 0 && points.count % p == 0, "points must be [N, \(p)]")
        let predictions = Parallel.map(points.count / p) { i in prediction(at: Array(points[(i * p)..<((i + 1) * p)])) }
        return BatchPrediction(value: predictions.map(\.value), spread: predictions.map(\.spread),
                               rawSpread: predictions.map(\.rawSpread), perExperiment: predictions.flatMap(\.perExperiment))
    }
}
