import Foundation
import PDFEmuCore
import PDFEmuIO

/// A trained χ² emulator: an ensemble of networks with their scalers, names, training domain and
/// accuracy report. A `Sendable` value: load it once and call it from any number of threads.
public struct Emulator: ScalarModel, TrainingRegion {
    /// The training domain's whitening, z = L⁻¹(θ − best training point).
    public func whitened(_ theta: [Double]) -> [Double]? { domain.whiten(theta) }
    /// Parameter names, in θ order.
    public let parameterNames: [String]
    /// Names of the per-experiment outputs (empty if none were trained).
    public let experimentNames: [String]
    /// Name of the target ("chi2", or the dataset of another scalar).
    package let targetName: String
    /// True when the target is a χ² (outputs are Δχ² above `sampleMinimum`).
    package let targetIsChi2: Bool
    /// The shared architecture of every member.
    package let architecture: MLPArchitecture
    /// Precision the members were trained in ("float32" or "float64").
    package let precision: Precision
    /// The members, evaluated in double precision.
    public let members: [DenseNetwork]
    /// Lowest target value among the scan points.
    public let sampleMinimum: Double
    /// The lowest training points, best first.
    public let bestTrainingPoints: [[Double]]
    /// The region the training points cover.
    package let domain: TrainingDomain
    /// Accuracy on the test split, as measured at the end of `fit`.
    package var report: AccuracyReport?
    /// The spread calibration fitted on the validation split (nil: uncalibrated — files written before
    /// it existed — or a single member, which has no spread).
    package var calibration: SpreadCalibration?
    /// The fit config's text.
    package let configText: String
    /// Seed of the fit.
    package let seed: UInt64
    /// pdfemu version that wrote the file.
    package let version: String

    /// Creates an emulator from its parts.
    package init(parameterNames: [String], experimentNames: [String], targetName: String, targetIsChi2: Bool,
                architecture: MLPArchitecture, precision: Precision, members: [DenseNetwork], sampleMinimum: Double,
                bestTrainingPoints: [[Double]], domain: TrainingDomain, report: AccuracyReport?, configText: String,
                seed: UInt64, version: String = pdfemuVersion, calibration: SpreadCalibration? = nil) {
        self.parameterNames = parameterNames
        self.experimentNames = experimentNames
        self.targetName = targetName
        self.targetIsChi2 = targetIsChi2
        self.architecture = architecture
        self.precision = precision
        precondition(!members.isEmpty && members.allSatisfy { $0.scalers == members[0].scalers },
                     "an emulator's members share one set of scalers")
        self.members = members
        self.sampleMinimum = sampleMinimum
        self.bestTrainingPoints = bestTrainingPoints
        self.domain = domain
        self.report = report
        self.calibration = members.count > 1 ? calibration : nil
        self.configText = configText
        self.seed = seed
        self.version = version
    }

    /// The input and output scalers, one set for all members.
    package var scalers: Scalers { members[0].scalers }

    /// Per-parameter minimum of the training points.
    public var trainingLower: [Double] { domain.lower }
    /// Per-parameter maximum of the training points.
    public var trainingUpper: [Double] { domain.upper }

    // MARK: ScalarModel

    /// The emulated target at θ (ensemble mean).
    public func value(at theta: [Double]) -> Double {
        members.reduce(0) { $0 + $1.outputs(at: theta)[0] } / Double(members.count)
    }

    /// The target and its exact gradient (ensemble mean).
    public func valueAndGradient(at theta: [Double]) -> (value: Double, gradient: [Double]) {
        let r = valueGradientHessian(theta, hessian: false)
        return (r.value, r.gradient)
    }

    /// The target, gradient and exact Hessian (P×P row-major), ensemble means.
    public func valueGradientHessian(at theta: [Double]) -> (value: Double, gradient: [Double], hessian: [Double]) {
        valueGradientHessian(theta, hessian: true)
    }

    func valueGradientHessian(_ theta: [Double], hessian: Bool) -> (value: Double, gradient: [Double], hessian: [Double]) {
        if members.count == 1 { return members[0].derivatives(at: theta, output: 0, hessian: hessian) }
        let p = parameterNames.count
        var v = 0.0
        var g = [Double](repeating: 0, count: p)
        var h = [Double](repeating: 0, count: hessian ? p * p : 0)
        for m in members {
            let r = m.derivatives(at: theta, output: 0, hessian: hessian)
            v += r.value
            for i in 0..<p { g[i] += r.gradient[i] }
            if hessian { for i in 0..<(p * p) { h[i] += r.hessian[i] } }
        }
        let k = Double(members.count)
        return (v / k, g.map { $0 / k }, h.map { $0 / k })
    }

    /// The target with its spread (calibrated when the file stores a calibration; the raw ensemble
    /// standard deviation is `rawSpread`) and the per-experiment χ².
    public func prediction(at theta: [Double]) -> Prediction {
        let outs = members.map { $0.outputs(at: theta) }
        let k = Double(members.count)
        let mean = outs.reduce(0) { $0 + $1[0] } / k
        let raw = members.count > 1
            ? (outs.reduce(0) { $0 + ($1[0] - mean) * ($1[0] - mean) } / (k - 1)).squareRoot() : 0
        let e = experimentNames.count
        let per = (0..<e).map { j in outs.reduce(0) { $0 + $1[1 + j] } / k }
        return Prediction(value: mean, spread: calibratedSpread(raw: raw, value: mean), rawSpread: raw, perExperiment: per)
    }

    /// The calibrated spread of a raw ensemble spread at a predicted value (the raw spread when uncalibrated).
    package func calibratedSpread(raw: Double, value: Double) -> Double {
        guard let calibration else { return raw }
        return calibration.apply(rawSpread: raw, predictedDeltaChi2: value - sampleMinimum)
    }

    /// The same emulator with another spread calibration (nil: uncalibrated; ignored for one member).
    package func with(calibration: SpreadCalibration?) -> Emulator {
        var e = self
        e.calibration = members.count > 1 ? calibration : nil
        return e
    }

    /// What the spread is: none for one member, else calibrated or not.
    public var spreadStatus: SpreadStatus {
        members.count == 1 ? .singleMember : calibration == nil ? .uncalibrated : .calibrated
    }

    /// Whether θ is inside the region the training points cover.
    public func domain(at theta: [Double]) -> DomainCheck { domain.check(theta) }

    // MARK: Batches

    /// Predictions for many points (rows of `thetas`, N×P row-major), in the training precision through
    /// batched BLAS: the target (ensemble mean), its spread (calibrated when the emulator has a
    /// calibration), the raw ensemble standard deviation, and per-experiment values (N×E).
    public func predictBatch(_ thetas: [Double]) -> BatchPrediction {
        var r = precision == .float64 ? batch(thetas, as: Double.self) : batch(thetas, as: Float.self)
        if calibration != nil { for i in r.spread.indices { r.spread[i] = calibratedSpread(raw: r.rawSpread[i], value: r.value[i]) } }
        return r
    }

    private func batch<T: NNScalar>(_ thetas: [Double], as: T.Type) -> BatchPrediction {
        let p = parameterNames.count, o = architecture.outputs, e = experimentNames.count, no = architecture.networkOutputs
        let n = thetas.count / p
        var sum = [Double](repeating: 0, count: n * o), sq = [Double](repeating: 0, count: n)
        let chunk = 4096
        let engine = MLPBatch<T>(architecture, capacity: min(chunk, max(n, 1)))
        let capacity = engine.capacity
        var centred = [Double](repeating: 0, count: capacity * p), xd = centred
        var x = [T](repeating: 0, count: capacity * p)
        let weights = members.map { m in m.weights.map { T($0) } }
        // Every member shares the input scalers (one split): transform each chunk once, x = (θ − mean)·Aᵀ.
        let mean = scalers.inputMean, a = scalers.inputTransform
        var lo = 0
        while lo < n {
            let rows = min(capacity, n - lo)
            for r in 0..<rows { for j in 0..<p { centred[r * p + j] = thetas[(lo + r) * p + j] - mean[j] } }
            BLAS.gemm(transA: false, transB: true, m: rows, n: p, k: p, alpha: 1, a: centred, lda: p, b: a, ldb: p,
                      beta: 0, c: &xd, ldc: p)
            for i in 0..<(rows * p) { x[i] = T(xd[i]) }
            for (m, w) in zip(members, weights) {
                w.withUnsafeBufferPointer { wb in
                let out = engine.forward(parameters: wb.baseAddress!, input: x, rows: rows)
                for r in 0..<rows {
                    for k in 0..<o {
                        let v = m.physical(k, Double(architecture.headValue(k, z: out + r * no, parameters: wb.baseAddress!)))
                        sum[(lo + r) * o + k] += v
                        if k == 0 { sq[lo + r] += v * v }
                    }
                }
                }
            }
            lo += rows
        }
        let k = Double(members.count)
        var value = [Double](repeating: 0, count: n), spread = [Double](repeating: 0, count: n)
        var per = [Double](repeating: 0, count: n * e)
        for i in 0..<n {
            value[i] = sum[i * o] / k
            spread[i] = members.count > 1 ? max(0, (sq[i] - k * value[i] * value[i]) / (k - 1)).squareRoot() : 0
            for j in 0..<e { per[i * e + j] = sum[i * o + 1 + j] / k }
        }
        return BatchPrediction(value: value, spread: spread, rawSpread: spread, perExperiment: per)
    }
}
