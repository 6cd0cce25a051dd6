import Foundation
import PDFEmuCore
import PDFEmuIO

/// What the trainer reports after each epoch (for progress bars and logs).
public struct TrainingProgress: Sendable {
    /// Ensemble member being trained (0-based) and the ensemble size.
    public var member: Int, members: Int
    /// Epoch just finished (1-based) and the maximum.
    public var epoch: Int, epochs: Int
    /// Mean weighted training loss of the epoch (scaled units).
    public var trainLoss: Double
    /// Weighted RMS error of the total χ² on the validation split, in χ² units.
    public var validationRMS: Double
    /// Best validation RMS so far for this member.
    public var bestValidationRMS: Double
    /// Learning rate at the end of the epoch.
    public var learningRate: Double
    /// Seconds since training started (all members), and the estimated seconds left.
    public var elapsed: Double, remaining: Double
}

/// Why a member's training ended.
public enum StopReason: String, Sendable, Codable {
    case epochs, timeLimit = "time-limit", earlyStopping = "early-stopping", interrupted, diverged
}

/// The trained state of one member.
package struct MemberResult<T: NNScalar>: Sendable {
    /// Best weights (lowest validation error).
    package var weights: [T]
    /// Validation RMS (χ² units) of those weights.
    package var validationRMS: Double
    /// Epochs run.
    package var epochs: Int
    /// Why training ended.
    package var stopReason: StopReason
    /// Seconds spent.
    package var seconds: Double
}

/// Everything needed to continue an interrupted member exactly where it stopped.
package struct MemberCheckpoint<T: NNScalar>: Sendable {
    package var epoch: Int
    package var weights: [T]
    package var best: [T]
    package var bestValidation: Double
    package var optimizer: Optimizer<T>
    package var rng: SeededGenerator
    package var schedule: LearningRateSchedule
    package var stale: Int
    package var seconds: Double
}

/// Mini-batch training of one network with an SGD-family optimiser, schedule, clipping and early stopping.
package final class Trainer<T: NNScalar> {
    let config: FitConfig
    let data: TrainingData<T>
    let architecture: MLPArchitecture
    let valX: [T], valY: [T], valW: [T]

    /// The network `config` describes for `data`'s inputs and outputs: layer sizes, activation, output
    /// structure and its components. The one place a fit's architecture is derived (training, warm starts).
    package static func architecture(config: FitConfig, data: TrainingData<T>) -> MLPArchitecture {
        MLPArchitecture(inputs: data.inputs, hidden: config.hidden, outputs: data.outputs, activation: config.activation,
                        outputStructure: config.outputStructure, components: config.sosComponents)
    }

    /// Prepares training on `data`; validation arrays are built from `scan`.
    package init(config: FitConfig, data: TrainingData<T>, scan: ScanData) {
        self.config = config
        self.data = data
        architecture = Self.architecture(config: config, data: data)
        (valX, valY, valW) = TrainingData<T>.arrays(scan, rows: data.validationRows, config: config,
                                                    inputMean: data.inputMean, inputTransform: data.inputTransform,
                                                    outputShift: data.outputShift, outputScale: data.outputScale, outputLogScale: data.outputLogScale,
                                                    outputs: data.outputs, sampleMinimum: data.sampleMinimum)
    }

    /// A fresh start for member `k`.
    package func initialState(member k: Int) -> MemberCheckpoint<T> {
        var rng = SeededGenerator(seed: config.seed &+ UInt64(k) &* 0x9E37_79B9)
        let w: [T] = architecture.initialParameters(config.initialisation, rng: &rng)
        return MemberCheckpoint(epoch: 0, weights: w, best: w, bestValidation: .infinity,
                                optimizer: Optimizer<T>(config.optimizer, count: w.count), rng: rng,
                                schedule: LearningRateSchedule(config.scheduleSettings), stale: 0, seconds: 0)
    }

    /// A start for member `k` from given weights (fine-tuning a previous emulator): fresh optimiser,
    /// schedule and generator, the weights as the best so far.
    package func warmState(member k: Int, weights: [Double]) -> MemberCheckpoint<T> {
        precondition(weights.count == architecture.parameterCount, "warm-start weights do not fit the architecture")
        var s = initialState(member: k)
        s.weights = weights.map { T($0) }
        s.best = s.weights
        return s
    }

    /// Trains member `k` from `state` until a stop condition. `progress` is called after each epoch,
    /// `checkpoint` after each epoch with the resumable state, `shouldStop` is polled every batch.
    package func train(member k: Int, from state: MemberCheckpoint<T>, timeBudget: Double,
                      progress: (TrainingProgress) -> Void, checkpoint: (MemberCheckpoint<T>) -> Void,
                      shouldStop: () -> Bool) -> MemberResult<T> {
        var s = state
        let n = data.trainRows.count, p = data.inputs, o = data.outputs
        let bs = min(config.batchSize, n)
        let batch = MLPBatch<T>(architecture, capacity: max(bs, 1024))
        var order = Array(0..<n)
        var bx = [T](repeating: 0, count: bs * p), by = [T](repeating: 0, count: bs * o), bw = [T](repeating: 0, count: bs)
        var dOut = [T](repeating: 0, count: bs * architecture.networkOutputs)
        var grad = [T](repeating: 0, count: architecture.parameterCount)
        let start = Date().timeIntervalSince1970 - s.seconds
        let batchesPerEpoch = (n + bs - 1) / bs
        var reason = StopReason.epochs
        epochLoop: while s.epoch < config.epochs {
            // The epoch's order depends only on the generator state, so a resumed run repeats it exactly.
            for i in 0..<n { order[i] = i }
            s.rng.shuffle(&order)
            var lossSum = 0.0
            var b = 0
            while b < batchesPerEpoch {
                if shouldStop() { reason = .interrupted; break epochLoop }
                let lo = b * bs, rows = min(bs, n - lo)
                var wsum: T = 0
                data.trainX.withUnsafeBufferPointer { X in
                    data.trainY.withUnsafeBufferPointer { Y in
                        for r in 0..<rows {
                            let i = order[lo + r]
                            for j in 0..<p { bx[r * p + j] = X[i * p + j] }
                            for j in 0..<o { by[r * o + j] = Y[i * o + j] }
                            bw[r] = data.trainW[i]
                            wsum += bw[r]
                        }
                    }
                }
                let lr = s.schedule.rate(epoch: s.epoch, fraction: Double(b) / Double(batchesPerEpoch))
                var loss: T = 0
                s.weights.withUnsafeMutableBufferPointer { W in
                    loss = lossAndGradient(W.baseAddress!, batch: batch, x: bx, y: by, w: bw, rows: rows, weightSum: wsum,
                                           dOut: &dOut, gradient: &grad)
                    if let clip = config.gradientClip {
                        var norm: T = 0
                        for g in grad { norm += g * g }
                        let nn = Double(norm).squareRoot()
                        if nn > clip { let f = T(clip / nn); for i in grad.indices { grad[i] *= f } }
                    }
                    grad.withUnsafeMutableBufferPointer { G in
                        s.optimizer.update(W.baseAddress!, G.baseAddress!, count: W.count, lr: lr)
                    }
                }
                lossSum += Double(loss)
                b += 1
            }
            s.epoch += 1
            let trainLoss = lossSum / Double(batchesPerEpoch)
            let val = validationRMS(s.weights, batch: batch)
            if !trainLoss.isFinite || !val.isFinite {
                reason = .diverged
                break
            }
            s.schedule.observe(validation: val)
            if val < s.bestValidation { s.bestValidation = val; s.best = s.weights; s.stale = 0 } else { s.stale += 1 }
            s.seconds = Date().timeIntervalSince1970 - start
            let perEpoch = s.seconds / Double(max(1, s.epoch - state.epoch))
            let remainingEpochs = Double(config.epochs - s.epoch)
            let rem = min(remainingEpochs * perEpoch, max(0, timeBudget - s.seconds))
            progress(TrainingProgress(member: k, members: config.members, epoch: s.epoch, epochs: config.epochs,
                                      trainLoss: trainLoss, validationRMS: val, bestValidationRMS: s.bestValidation,
                                      learningRate: s.schedule.rate(epoch: s.epoch), elapsed: s.seconds, remaining: rem))
            checkpoint(s)
            if config.earlyStoppingPatience > 0 && s.stale >= config.earlyStoppingPatience { reason = .earlyStopping; break }
            if timeBudget > 0 && s.seconds >= timeBudget { reason = .timeLimit; break }
        }
        s.seconds = Date().timeIntervalSince1970 - start
        if s.bestValidation == .infinity { s.best = s.weights }
        return MemberResult(weights: s.best, validationRMS: s.bestValidation, epochs: s.epoch, stopReason: reason, seconds: s.seconds)
    }

    /// The weighted loss of one batch (`rows` inputs x, targets y, loss weights w summing to `weightSum`)
    /// and its gradient with respect to every parameter W (the sum of squares' offset included) into
    /// `gradient`; `dOut` is scratch of rows × networkOutputs.
    func lossAndGradient(_ W: UnsafeMutablePointer<T>, batch: MLPBatch<T>, x: [T], y: [T], w: [T], rows: Int, weightSum: T,
                         dOut: inout [T], gradient: inout [T]) -> T {
        let o = data.outputs, no = architecture.networkOutputs, ow = data.outputWeight
        let sos = architecture.outputStructure == .sumOfSquares
        let out = batch.forward(parameters: W, input: x, rows: rows)
        let inv = 1 / weightSum
        // ∂y₀/∂σ of a sum of squares (y₀ = Σz² − softplus(σ)); its gradient is summed here.
        let dOffsetDy = architecture.offsetIndex.map { T(-logistic(Double(W[$0]))) } ?? 0
        var dOffset: T = 0, loss: T = 0
        for r in 0..<rows {
            let wr = w[r] * inv
            let z = out + r * no
            for j in 0..<o {
                let d = architecture.headValue(j, z: z, parameters: W) - y[r * o + j]
                loss += wr * ow[j] * d * d
                let dy = 2 * wr * ow[j] * d
                if sos && j == 0 {
                    for k in 0..<architecture.components { dOut[r * no + k] = 2 * dy * z[k] }
                    dOffset += dy * dOffsetDy
                } else {
                    dOut[r * no + architecture.unit(ofOutput: j)] = dy
                }
            }
        }
        batch.backward(parameters: W, input: x, rows: rows, dOutput: dOut, gradient: &gradient)
        if let i = architecture.offsetIndex { gradient[i] = dOffset }
        return loss
    }

    /// The loss of all training points as one batch and its gradient (for checks against finite differences).
    func lossGradient(_ weights: [T]) -> (loss: Double, gradient: [T]) {
        let n = data.trainRows.count
        let batch = MLPBatch<T>(architecture, capacity: n)
        var dOut = [T](repeating: 0, count: n * architecture.networkOutputs), grad = [T](repeating: 0, count: architecture.parameterCount)
        var w = weights
        let loss = w.withUnsafeMutableBufferPointer {
            lossAndGradient($0.baseAddress!, batch: batch, x: data.trainX, y: data.trainY, w: data.trainW, rows: n,
                            weightSum: data.trainW.reduce(0, +), dOut: &dOut, gradient: &grad)
        }
        return (Double(loss), grad)
    }

    /// Weighted RMS error of the total (output 0) on the validation split, in physical units.
    func validationRMS(_ w: [T], batch: MLPBatch<T>) -> Double {
        let p = data.inputs, o = data.outputs
        let n = valW.count
        var num = 0.0, den = 0.0
        let scale = data.outputScale[0], transform = TargetTransform(logScale: data.outputLogScale[0])
        func phys(_ y: Double) -> Double { transform.inverse(scale * y) }
        w.withUnsafeBufferPointer { W in
            valX.withUnsafeBufferPointer { X in
                var lo = 0
                while lo < n {
                    let rows = min(batch.capacity, n - lo)
                    let out = batch.forward(parameters: W.baseAddress!, input: X.baseAddress! + lo * p, rows: rows)
                    let no = architecture.networkOutputs
                    for r in 0..<rows {
                        // Error in physical units (χ²), through the output structure and the target transform.
                        let y = architecture.headValue(0, z: out + r * no, parameters: W.baseAddress!)
                        let d = phys(Double(y)) - phys(Double(valY[(lo + r) * o]))
                        num += Double(valW[lo + r]) * d * d
                        den += Double(valW[lo + r])
                    }
                    lo += rows
                }
            }
        }
        return (num / max(den, 1e-300)).squareRoot()
    }
}
