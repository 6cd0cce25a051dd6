import Foundation
import PDFEmuCore
import PDFEmuIO

/// A scan prepared for training: the split, the scalers, and standardised inputs and scaled targets
/// of each split in the training precision.
package struct TrainingData<T: NNScalar>: Sendable {
    /// Input transform (from the training split): x = A·(θ − mean), A P×P row-major.
    package var inputMean: [Double], inputTransform: [Double]
    /// Output o (physical) = shift[o] + scale[o]·y[o]. Output 0 is the target (χ²), 1… the experiments.
    package var outputShift: [Double], outputScale: [Double]
    /// c of the log target transform of each output (0: linear): the network learns c·log(1 + Δ/c)/scale.
    package var outputLogScale: [Double]
    /// Loss weight of each output.
    package var outputWeight: [T]
    /// Number of outputs.
    package var outputs: Int
    /// Number of inputs.
    package var inputs: Int
    /// Row indices into the scan of each split.
    package var trainRows: [Int], validationRows: [Int], testRows: [Int]
    /// Standardised inputs of the training split (rows × inputs).
    package var trainX: [T]
    /// Scaled targets of the training split (rows × outputs).
    package var trainY: [T]
    /// Loss weights of the training points.
    package var trainW: [T]
    /// Lowest target in the whole sample (χ²_min of the sample).
    package var sampleMinimum: Double
    /// Training points dropped by `max_delta_chi2`.
    package var droppedByCut: Int

    /// Splits and scales `scan` as the config says.
    package init(scan: ScanData, config c: FitConfig) throws {
        let n = scan.count, p = scan.parameterCount
        let e = c.perExperiment ? scan.experimentCount : 0
        inputs = p
        outputs = 1 + e
        var order = Array(0..<n)
        var rng = SeededGenerator(seed: c.seed &+ 0x5EED)
        rng.shuffle(&order)
        let nTrain = Int((c.trainFraction * Double(n)).rounded(.down))
        let nVal = Int((c.validationFraction * Double(n)).rounded(.down))
        let nTest = Int((c.testFraction * Double(n)).rounded(.down))
        guard nTrain >= 2 else { throw PDFEmuError(.key(file: nil, key: "split.train"), "\(nTrain) training points is too few (N = \(n))") }
        guard nVal >= 1 else { throw PDFEmuError(.key(file: nil, key: "split.validation"), "no validation points (N = \(n))") }
        trainRows = Array(order[0..<nTrain])
        validationRows = Array(order[nTrain..<(nTrain + nVal)])
        testRows = Array(order[(nTrain + nVal)..<(nTrain + nVal + nTest)])

        let smin = scan.chi2.min()!
        sampleMinimum = smin
        let expMin: [Double] = (0..<e).map { k in (0..<n).reduce(Double.infinity) { min($0, scan.chi2PerExperiment[$1 * scan.experimentCount + k]) } }

        // Training rows after the optional Δχ² cut.
        if c.targetIsChi2, let cut = c.maxDeltaChi2 {
            let before = trainRows.count
            trainRows = trainRows.filter { scan.chi2[$0] - smin <= cut }
            droppedByCut = before - trainRows.count
            guard trainRows.count > p + 1 else {
                throw PDFEmuError(.key(file: nil, key: "loss.max_delta_chi2"), "only \(trainRows.count) of \(before) training points have Δχ² ≤ \(cut); raise it (at least \(p + 2) points are needed)")
            }
        } else {
            droppedByCut = 0
        }
        let rows = trainRows
        let (means, covariance) = scan.meanAndCovariance(rows: rows)
        inputMean = means
        inputTransform = try Self.inputMatrix(covariance: covariance, parameters: p, kind: c.inputTransform)
        // Target scaling: χ² targets are Δχ² above the sample minimum, scaled by their spread.
        func spread(_ values: [Double]) -> Double { let s = Stats.std(values); return s > 0 ? s : 1 }
        let totals = rows.map { scan.chi2[$0] }
        if c.targetIsChi2 {
            let logC = c.targetTransform == .log1p ? c.targetLogScale : 0
            let shifts = [smin] + expMin
            outputLogScale = [Double](repeating: logC, count: 1 + e)
            outputShift = shifts
            outputScale = [spread(totals.map { TargetTransform(logScale: logC).forward($0 - smin) })] + (0..<e).map { k in
                spread(rows.map { TargetTransform(logScale: logC).forward(scan.chi2PerExperiment[$0 * scan.experimentCount + k] - shifts[1 + k]) })
            }
        } else {
            outputLogScale = [0]
            outputShift = [Stats.mean(totals)]
            outputScale = [spread(totals)]
        }
        outputWeight = [T(1)] + [T](repeating: T(e > 0 ? c.experimentLossWeight / Double(e) : 0), count: e)

        (trainX, trainY, trainW) = Self.arrays(scan, rows: rows, config: c, inputMean: means, inputTransform: inputTransform,
                                               outputShift: outputShift, outputScale: outputScale, outputLogScale: outputLogScale, outputs: 1 + e,
                                               sampleMinimum: scan.chi2.min()!)
    }

    /// Replaces the scalers by `scalers` (a previous emulator's, for a warm start) and rescales the
    /// training arrays with them; the split and the weights' Δχ² reference stay this data's.
    package mutating func adopt(_ scalers: Scalers, scan: ScanData, config c: FitConfig) {
        inputMean = scalers.inputMean; inputTransform = scalers.inputTransform
        outputShift = scalers.outputShift; outputScale = scalers.outputScale; outputLogScale = scalers.outputLogScale
        (trainX, trainY, trainW) = Self.arrays(scan, rows: trainRows, config: c, inputMean: inputMean, inputTransform: inputTransform,
                                               outputShift: outputShift, outputScale: outputScale, outputLogScale: outputLogScale,
                                               outputs: outputs, sampleMinimum: sampleMinimum)
    }

    /// Standardised inputs, scaled targets and loss weights of `rows`.
    package static func arrays(_ scan: ScanData, rows: [Int], config c: FitConfig, inputMean: [Double], inputTransform: [Double],
                              outputShift: [Double], outputScale: [Double], outputLogScale: [Double], outputs: Int,
                              sampleMinimum: Double)
        -> (x: [T], y: [T], w: [T]) {
        let p = scan.parameterCount, ne = scan.experimentCount
        var x = [T](repeating: 0, count: rows.count * p)
        var y = [T](repeating: 0, count: rows.count * outputs)
        var w = [T](repeating: 1, count: rows.count)
        for (r, i) in rows.enumerated() {
            let t = DenseNetwork.transform(scan.point(i), mean: inputMean, matrix: inputTransform)
            for j in 0..<p { x[r * p + j] = T(t[j]) }
            y[r * outputs] = T(TargetTransform(logScale: outputLogScale[0]).forward(scan.chi2[i] - outputShift[0]) / outputScale[0])
            for k in 1..<max(1, outputs) {
                y[r * outputs + k] = T(TargetTransform(logScale: outputLogScale[k]).forward(scan.chi2PerExperiment[i * ne + k - 1] - outputShift[k]) / outputScale[k])
            }
            if c.targetIsChi2 {
                let d = scan.chi2[i] - sampleMinimum
                switch c.weighting {
                case .none: w[r] = 1
                case .inverse:
                    let b = 1 + max(0, d) / c.weightScale
                    w[r] = T(c.weightPower == 1 ? 1 / b : Foundation.pow(b, -c.weightPower))
                case .gaussian: w[r] = T(Foundation_exp(-d / (2 * c.weightScale)) + 1e-3)
                }
            }
        }
        return (x, y, w)
    }


    /// The input matrix A: diag(1/σ) for `standardize`, L⁻¹ (LLᵀ = the training rows' covariance) for `whiten`.
    static func inputMatrix(covariance cov: [Double], parameters p: Int, kind: InputTransformKind) throws -> [Double] {
        var m = [Double](repeating: 0, count: p * p)
        switch kind {
        case .standardize:
            for j in 0..<p { m[j * p + j] = cov[j * p + j] > 0 ? 1 / cov[j * p + j].squareRoot() : 1 }
        case .whiten:
            guard let L = try BLAS.cholesky(cov, n: p) else {
                throw PDFEmuError(.key(file: nil, key: "network.input_transform"), "the training points' covariance is singular (a parameter is constant or two are linearly dependent); use \"standardize\"")
            }
            m = lowerTriangularInverse(L, n: p)
        }
        return m
    }
}

/// Inverse of a lower-triangular n×n matrix (row-major) by forward substitution.
func lowerTriangularInverse(_ L: [Double], n p: Int) -> [Double] {
    var inv = [Double](repeating: 0, count: p * p)
    for c in 0..<p {
        for r in c..<p {
            var s = r == c ? 1.0 : 0.0
            for k in c..<r { s -= L[r * p + k] * inv[k * p + c] }
            inv[r * p + c] = s / L[r * p + r]
        }
    }
    return inv
}
