/// A model seen over its free parameters only: the fixed ones are held at their values. Used to sample
/// with MCMC when some parameters are fixed.
package struct FreeParameterModel: ScalarModel {
    let base: any ScalarModel
    /// The full parameter vector with the fixed values in place.
    let template: [Double]
    /// Indices of the free parameters in the base model.
    package let free: [Int]

    package init(base: any ScalarModel, constraints: [ParameterConstraint], at theta: [Double]) {
        self.base = base
        self.template = theta
        self.free = constraints.indices.filter { !constraints[$0].isFixed }
    }

    func full(_ x: [Double]) -> [Double] {
        var t = template
        for (k, i) in free.enumerated() { t[i] = x[k] }
        return t
    }
    package func reduce(_ t: [Double]) -> [Double] { free.map { t[$0] } }

    package var parameterNames: [String] { free.map { base.parameterNames[$0] } }
    package var experimentNames: [String] { base.experimentNames }
    package var startingPoints: [[Double]] { base.startingPoints.map(reduce) }
    package var trainingRegion: (any TrainingRegion)? { base.trainingRegion.map { Region(base: $0, model: self) } }
    package func value(at x: [Double]) -> Double { base.value(at: full(x)) }
    package func valueAndGradient(at x: [Double]) -> (value: Double, gradient: [Double]) {
        let r = base.valueAndGradient(at: full(x))
        return (r.value, reduce(r.gradient))
    }
    package func valueGradientHessian(at x: [Double]) -> (value: Double, gradient: [Double], hessian: [Double]) {
        let r = base.valueGradientHessian(at: full(x))
        return (r.value, reduce(r.gradient), Matrix(square: r.hessian, n: base.parameterNames.count).submatrix(free).values)
    }
    package func prediction(at x: [Double]) -> Prediction { base.prediction(at: full(x)) }
    package func predictBatch(_ points: [Double]) -> BatchPrediction { predictBatch(points, perExperiment: true) }
    package func predictBatch(_ points: [Double], perExperiment: Bool) -> BatchPrediction {
        let k = free.count, n = k == 0 ? 0 : points.count / k
        var rows: [Double] = []
        rows.reserveCapacity(n * template.count)
        for i in 0..<n { rows += full(Array(points[(i * k)..<((i + 1) * k)])) }
        return base.predictBatch(rows, perExperiment: perExperiment)
    }
    /// The base model's spread status (the spread is the base model's).
    package var spreadStatus: SpreadStatus { base.spreadStatus }

    /// The base model's training region seen over the free parameters.
    struct Region: TrainingRegion {
        let base: any TrainingRegion
        let model: FreeParameterModel
        var sampleMinimum: Double { base.sampleMinimum }
        var bestTrainingPoints: [[Double]] { base.bestTrainingPoints.map(model.reduce) }
        var trainingLower: [Double] { model.reduce(base.trainingLower) }
        var trainingUpper: [Double] { model.reduce(base.trainingUpper) }
        func domain(at x: [Double]) -> DomainCheck { base.domain(at: model.full(x)) }
        /// Not defined over a subset of the parameters: users whiten by the Hessian σ.
        func whitened(_ x: [Double]) -> [Double]? { nil }
    }

}
