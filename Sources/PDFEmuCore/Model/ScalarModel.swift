/// Where a point lies relative to the region the training points cover.
public struct DomainCheck: Sendable, Codable, Equatable {
    /// True if the point is inside the training box and close enough to training points to be trusted.
    public var inside: Bool
    /// True if every parameter is within the per-parameter min/max of the training points.
    public var inBox: Bool
    /// Distance to the nearest stored training point in whitened units, divided by the trust
    /// threshold (≤ 1: as close as training points are to each other; > 1: in a gap or outside).
    public var neighbourDistance: Double
    /// Whitened (Mahalanobis) distance from the best training point, in units of the training
    /// points' own spread.
    public var radius: Double
    /// Largest whitened radius among the training points (for comparison with `radius`).
    public var maxTrainingRadius: Double
    /// Creates a domain check.
    public init(inside: Bool, inBox: Bool, neighbourDistance: Double, radius: Double, maxTrainingRadius: Double) {
        self.inside = inside; self.inBox = inBox; self.neighbourDistance = neighbourDistance
        self.radius = radius; self.maxTrainingRadius = maxTrainingRadius
    }
}

/// How an emulator's ensemble spread is to be read: what `Prediction.spread` means for a model.
public enum SpreadStatus: String, Sendable, Codable, Equatable {
    /// An exact model: no spread (0).
    case exact
    /// One network: there is no ensemble spread (0 is not an error bar).
    case singleMember = "single-member"
    /// An ensemble whose file stores no calibration: the raw member standard deviation.
    case uncalibrated
    /// An ensemble with a stored `SpreadCalibration`: the raw spread scaled to cover the validation errors.
    case calibrated

    /// The words a report prints for this status ("calibrated", "no ensemble spread: 1 member", …).
    public var label: String {
        switch self {
        case .exact: return "exact model, no spread"
        case .singleMember: return "no ensemble spread: 1 member"
        case .uncalibrated: return "uncalibrated ensemble spread"
        case .calibrated: return "calibrated ensemble spread"
        }
    }

    /// True when the spread is a number worth showing (an ensemble's).
    public var hasSpread: Bool { self == .uncalibrated || self == .calibrated }
}

/// One prediction of a model at a point: the value, the ensemble spread, the per-output values.
public struct Prediction: Sendable, Codable, Equatable {
    /// The value (total χ², or the target scalar); for an ensemble, the ensemble mean.
    public var value: Double
    /// The error bar of `value`: the ensemble standard deviation scaled by the emulator's spread
    /// calibration when it has one (`rawSpread` otherwise); 0 for one network and for exact models,
    /// which have none (see `ScalarModel.spreadStatus`).
    public var spread: Double
    /// The ensemble standard deviation of the members' values as it is, before calibration.
    public var rawSpread: Double
    /// Per-experiment χ² (empty if the model has no per-experiment outputs).
    public var perExperiment: [Double]
    /// Creates a prediction; `rawSpread` nil means the spread is uncalibrated (raw = `spread`).
    public init(value: Double, spread: Double, rawSpread: Double? = nil, perExperiment: [Double]) {
        self.value = value; self.spread = spread; self.rawSpread = rawSpread ?? spread; self.perExperiment = perExperiment
    }
}

/// A smooth scalar function of the parameters with exact derivatives: the differentiable objective
/// that minimisers, scans and samplers need. `Emulator` conforms (and is also a `TrainingRegion`);
/// an exact χ² conforms to this protocol alone. All methods are safe to call concurrently.
/// Where the function is undefined (e.g. a parametrisation outside its domain) `value` is NaN.
public protocol ScalarModel: Sendable {
    /// Parameter names, in the order θ vectors use.
    var parameterNames: [String] { get }
    /// Names of the per-experiment outputs (empty if none).
    var experimentNames: [String] { get }
    /// The value at θ (NaN where undefined).
    func value(at theta: [Double]) -> Double
    /// The value and its exact gradient at θ.
    func valueAndGradient(at theta: [Double]) -> (value: Double, gradient: [Double])
    /// The value, gradient and Hessian (P×P row-major) at θ.
    func valueGradientHessian(at theta: [Double]) -> (value: Double, gradient: [Double], hessian: [Double])
    /// The value with its spread (0 when the model has none) and per-experiment values.
    func prediction(at theta: [Double]) -> Prediction
    /// Predictions at N points ([N, P] row-major) in one call: batched through BLAS where the model
    /// can, `pointwiseBatch` where it cannot. A requirement, so that a new model kind says which.
    func predictBatch(_ points: [Double]) -> BatchPrediction
    /// `predictBatch(_:)`, where `perExperiment: false` says only values and spreads are needed (a model
    /// may then leave `perExperiment` empty and save the work). The default calls `predictBatch(_:)`.
    func predictBatch(_ points: [Double], perExperiment: Bool) -> BatchPrediction
    /// Good starting points for a global minimisation, best first (may be empty).
    var startingPoints: [[Double]] { get }
    /// The region the model was trained on, or nil for a model valid wherever it is defined (an exact χ²).
    var trainingRegion: (any TrainingRegion)? { get }
    /// What `prediction(at:).spread` is: none (exact, one network), raw or calibrated ensemble spread.
    var spreadStatus: SpreadStatus { get }
}

/// The part of a trained model that describes its training data: where it can be trusted.
public protocol TrainingRegion: Sendable {
    /// Lowest target value among the training points (χ²_min of the sample).
    var sampleMinimum: Double { get }
    /// The lowest training points, best first (for multi-start minimisation).
    var bestTrainingPoints: [[Double]] { get }
    /// Per-parameter min of the training points.
    var trainingLower: [Double] { get }
    /// Per-parameter max of the training points.
    var trainingUpper: [Double] { get }
    /// Whether θ is inside the region the training points cover.
    func domain(at theta: [Double]) -> DomainCheck
    /// θ in the coordinates where the training points' spread is the unit ball (z = L⁻¹(θ − centre)),
    /// or nil when the region has no whitening of its own (users then whiten by the Hessian σ).
    func whitened(_ theta: [Double]) -> [Double]?
}

extension ScalarModel {
    /// No training region: the model is valid wherever it is defined.
    public var trainingRegion: (any TrainingRegion)? { nil }
    /// No suggested starts.
    public var startingPoints: [[Double]] { [] }
    /// An exact model: no spread.
    public var spreadStatus: SpreadStatus { .exact }
    /// `predictBatch(_:)` with every output.
    public func predictBatch(_ points: [Double], perExperiment: Bool) -> BatchPrediction { predictBatch(points) }
    /// True if θ is inside the training region (always true for a model without one).
    public func isInsideTrainingRegion(_ theta: [Double]) -> Bool { trainingRegion?.domain(at: theta).inside ?? true }
}

extension ScalarModel where Self: TrainingRegion {
    /// A trained model is its own training region.
    public var trainingRegion: (any TrainingRegion)? { self }
    /// A trained model starts from its best training points.
    public var startingPoints: [[Double]] { bestTrainingPoints }
}
