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
}

/// One prediction of an emulator at a point: the value, the ensemble spread, the per-output values.
public struct Prediction: Sendable, Codable, Equatable {
    /// The emulated value (total χ², or the target scalar), the ensemble mean.
    public var value: Double
    /// Ensemble standard deviation of `value` (0 for one network).
    public var spread: Double
    /// Per-experiment χ² (empty if the emulator has no per-experiment outputs).
    public var perExperiment: [Double]
}

/// A smooth scalar function of the parameters with exact derivatives: what the scan module needs.
/// `Emulator` conforms; tests use analytic functions. All methods are safe to call concurrently.
public protocol ScalarModel: Sendable {
    /// Parameter names, in the order θ vectors use.
    var parameterNames: [String] { get }
    /// Names of the per-experiment outputs (empty if none).
    var experimentNames: [String] { get }
    /// Lowest target value among the training points (χ²_min of the sample).
    var sampleMinimum: Double { get }
    /// The lowest training points, best first (for multi-start minimisation).
    var bestTrainingPoints: [[Double]] { get }
    /// Per-parameter min and max of the training points.
    var trainingLower: [Double] { get }
    /// Per-parameter max of the training points.
    var trainingUpper: [Double] { get }
    /// The value at θ.
    func value(at theta: [Double]) -> Double
    /// The value and its exact gradient at θ.
    func valueAndGradient(at theta: [Double]) -> (value: Double, gradient: [Double])
    /// The value, gradient and exact Hessian (P×P row-major) at θ.
    func valueGradientHessian(at theta: [Double]) -> (value: Double, gradient: [Double], hessian: [Double])
    /// The value with its ensemble spread and per-experiment values.
    func prediction(at theta: [Double]) -> Prediction
    /// Whether θ is inside the region the training points cover.
    func domain(at theta: [Double]) -> DomainCheck
}
