import Foundation
import PDFEmuCore
import PDFEmuIO

/// What the trainer reports after each epoch (for progress bars and logs).
package struct TrainingProgress: Sendable {
    /// Ensemble member being trained (0-based) and the ensemble size.
    package var member: Int, members: Int
    /// Epoch just finished (1-based) and the maximum.
    package var epoch: Int, epochs: Int
    /// Mean weighted training loss of the epoch (scaled units).
    package var trainLoss: Double
    /// Weighted RMS error of the total χ² on the validation split, in χ² units.
    package var validationRMS: Double
    /// Best validation RMS so far for this member.
    package var bestValidationRMS: Double
    /// Learning rate at the end of the epoch.
    package var learningRate: Double
    /// Seconds since training started (all members), and the estimated seconds left.
    package var elapsed: Double, remaining: Double
}

/// Why a member's training ended.
package enum StopReason: String, Sendable, Codable {
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
    /// Why the member stopped, once it has (a member of a group trained together that ended before the
    /// others); `Trainer.train` then returns its result at once.
    package var stopped: StopReason? = nil

    /// The result a member stopped in this state gives: its best weights and their validation RMS.
    package func result(_ reason: StopReason) -> MemberResult<T> {
        MemberResult(weights: bestValidation == .infinity ? weights : best, validationRMS: bestValidation, epochs: epoch,
                     stopReason: reason, seconds: seconds)
    }
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

    /// Members trained at the same time: `training.threads` when the ensemble has more than one member
    /// (each member on its own thread, the whole batch in one pass), else 1 (one member at a time, each
    /// batch split over the threads). Depends on the config only.
    package var concurrentMembers: Int { config.members > 1 ? max(1, min(config.threads, config.members)) : 1 }

    /// Trains `members` (indices, each from its state in `states`) together: with one member, `train` with
    /// its batches split over the threads; with more, each member on its own thread with 1-thread BLAS and
    /// its own data order, buffers and optimiser, so each gives exactly what `train(…, oneThread: true)`
    /// gives it alone; a member waits at the end of each epoch until the others still training have as many
    /// (equal epochs under a time budget). `progress` and `checkpoint` (with the member index) are called one
    /// at a time; `shouldStop` is polled by every member's thread. Results in the order of `members`.
    package func trainTogether(members: [Int], from states: [MemberCheckpoint<T>], timeBudget: Double,
                               progress: (TrainingProgress) -> Void, checkpoint: (Int, MemberCheckpoint<T>) -> Void,
                               shouldStop: () -> Bool) -> [MemberResult<T>] {
        precondition(members.count == states.count && !members.isEmpty)
        if members.count == 1 {
            return [train(member: members[0], from: states[0], timeBudget: timeBudget, progress: progress,
                          checkpoint: { checkpoint(members[0], $0) }, shouldStop: shouldStop)]
        }
        let blasThreads = (try? BLAS.info().threads) ?? config.threads
        BLAS.setThreads(1)
        defer { BLAS.setThreads(blasThreads) }
        // One lock for the callbacks; it is also the condition of the epoch barrier: a member that has finished
        // an epoch waits until every member still training has finished as many, so that a time budget ends
        // them with equal epochs even when the machine's load slows one thread more than the other.
        let lock = NSCondition()
        var done = [Int](repeating: 0, count: members.count), running = [Bool](repeating: true, count: members.count)
        let results = UnsafeMutablePointer<MemberResult<T>?>.allocate(capacity: members.count)
        results.initialize(repeating: nil, count: members.count)
        defer { results.deinitialize(count: members.count); results.deallocate() }
        DispatchQueue.concurrentPerform(iterations: members.count) { i in
            let r = train(member: members[i], from: states[i], timeBudget: timeBudget, oneThread: true,
                          progress: { p in
                              lock.lock()
                              defer { lock.unlock() }
                              progress(p)
                              done[i] += 1
                              lock.broadcast()
                              while (0..<members.count).contains(where: { running[$0] && done[$0] < done[i] }) { lock.wait() }
                          },
                          checkpoint: { s in lock.lock(); checkpoint(members[i], s); lock.unlock() },
                          shouldStop: { lock.lock(); defer { lock.unlock() }; return shouldStop() })
            lock.lock()
            results[i] = r
            running[i] = false
            lock.broadcast()
            lock.unlock()
        }
        return (0..<members.count).map { results[$0]! }
    }

    /// Trains member `k` from `state` until a stop condition. `progress` is called after each epoch,
    /// `checkpoint` after each epoch with the resumable state, `shouldStop` is polled every batch.
    /// `oneThread`: the whole batch in one pass on the calling thread with the current BLAS threads (a
    /// member trained beside others); else each batch split over `training.threads` shards.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    package func train(member k: Int, from state: MemberCheckpoint<T>, timeBudget: Double, oneThread: Bool = false,
                      progress: (TrainingProgress) -> Void, checkpoint: (MemberCheckpoint<T>) -> Void,
                      shouldStop: () -> Bool) -> MemberResult<T> {
        if let stopped = state.stopped { return state.result(stopped) }
        var s = state
        let n = data.trainRows.count, p = data.inputs, o = data.outputs
        let bs = min(config.batchSize, n)
        let shards = oneThread ? [BatchShard<T>(architecture, capacity: max(bs, 512))] : makeShards(batch: bs)
        // Each shard runs on its own thread with 1-thread BLAS; the caller's BLAS threads are restored after.
        let blasThreads = shards.count > 1 ? (try? BLAS.info().threads) ?? config.threads : 0
        if shards.count > 1 { BLAS.setThreads(1) }
        defer { if shards.count > 1 { BLAS.setThreads(blasThreads) } }
        var order = Array(0..<n)
        var bx = [T](repeating: 0, count: bs * p), by = [T](repeating: 0, count: bs * o), bw = [T](repeating: 0, count: bs)
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
                    loss = grad.withUnsafeMutableBufferPointer { G in
                        batchLossAndGradient(W.baseAddress!, shards: shards, x: bx, y: by, w: bw, rows: rows, weightSum: wsum,
                                             gradient: G.baseAddress!)
                    }
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
            let val = validationRMS(s.weights, shards: shards)
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
        return s.result(reason)
    }

    /// Rows a shard of a batch gets at least: smaller batches are not split.
    static var minimumShardRows: Int { 64 }

    /// The shards a batch of `batch` rows is split into: one per `config.threads` (each shard runs on its own
    /// thread with 1-thread BLAS and its own buffers), fewer when a shard would get under `minimumShardRows`.
    /// Depends on the config only, so a fit's result does not depend on the machine.
    func makeShards(batch bs: Int) -> [BatchShard<T>] {
        let count = max(1, min(config.threads, bs / Self.minimumShardRows))
        let rows = (bs + count - 1) / count
        return (0..<count).map { _ in BatchShard<T>(architecture, capacity: max(rows, 512)) }
    }

    /// The weighted loss of one batch and its gradient into `gradient` (every parameter), the rows split over
    /// `shards` run concurrently: shard s takes a contiguous block of rows, weighted by the whole batch's
    /// `weightSum`, so the shards' losses and gradients add up to the batch's; summed in shard order.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func batchLossAndGradient(_ W: UnsafeMutablePointer<T>, shards: [BatchShard<T>], x: UnsafePointer<T>, y: UnsafePointer<T>,
                              w: UnsafePointer<T>, rows: Int, weightSum: T, gradient: UnsafeMutablePointer<T>) -> T {
        let count = max(1, min(shards.count, rows / Self.minimumShardRows))
        let p = data.inputs, o = data.outputs, np = architecture.parameterCount
        if count == 1 {
            return lossAndGradient(W, batch: shards[0].batch, x: x, y: y, w: w, rows: rows, weightSum: weightSum,
                                   dOut: shards[0].dOut, gradient: gradient)
        }
        let per = (rows + count - 1) / count
        DispatchQueue.concurrentPerform(iterations: count) { k in
            let lo = k * per, m = min(per, rows - lo)
            let shard = shards[k]
            shard.loss = lossAndGradient(W, batch: shard.batch, x: x + lo * p, y: y + lo * o, w: w + lo, rows: m,
                                         weightSum: weightSum, dOut: shard.dOut, gradient: k == 0 ? gradient : shard.gradient)
        }
        var loss = shards[0].loss
        for k in 1..<count {
            T.add(shards[k].gradient, into: gradient, count: np)
            loss += shards[k].loss
        }
        return loss
    }

    /// The weighted loss of one batch (`rows` inputs x, targets y, loss weights w; normalised by `weightSum`)
    /// and its gradient with respect to every parameter W (the sum of squares' offset included) into
    /// `gradient`; `dOut` is scratch of rows × networkOutputs.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func lossAndGradient(_ W: UnsafeMutablePointer<T>, batch: MLPBatch<T>, x: UnsafePointer<T>, y: UnsafePointer<T>,
                         w: UnsafePointer<T>, rows: Int, weightSum: T, dOut: UnsafeMutablePointer<T>,
                         gradient: UnsafeMutablePointer<T>) -> T {
        let o = data.outputs, no = architecture.networkOutputs
        let sos = architecture.outputStructure == .sumOfSquares
        let m = architecture.components
        let offsetIndex = architecture.offsetIndex
        let out = batch.forward(parameters: W, input: x, rows: rows)
        let inv = 1 / weightSum
        // y₀ = Σz² − softplus(σ) of a sum of squares: softplus and ∂y₀/∂σ once per batch; σ's gradient is summed here.
        let offsetValue = offsetIndex.map { T(softplus(Double(W[$0]))) } ?? 0
        let dOffsetDy = offsetIndex.map { T(-logistic(Double(W[$0]))) } ?? 0
        var dOffset: T = 0, loss: T = 0
        data.outputWeight.withUnsafeBufferPointer { ow in
            for r in 0..<rows {
                let wr = w[r] * inv
                let z = out + r * no
                let dz = dOut + r * no
                for j in 0..<o {
                    var head: T
                    if sos && j == 0 {
                        head = 0
                        for k in 0..<m { head += z[k] * z[k] }
                        head -= offsetValue
                    } else {
                        head = z[architecture.unit(ofOutput: j)]
                    }
                    let d = head - y[r * o + j]
                    loss += wr * ow[j] * d * d
                    let dy = 2 * wr * ow[j] * d
                    if sos && j == 0 {
                        for k in 0..<m { dz[k] = 2 * dy * z[k] }
                        dOffset += dy * dOffsetDy
                    } else {
                        dz[architecture.unit(ofOutput: j)] = dy
                    }
                }
            }
        }
        batch.backward(parameters: W, input: x, rows: rows, dOutput: dOut, gradient: gradient)
        if let i = offsetIndex { gradient[i] = dOffset }
        return loss
    }

    /// The loss of all training points as one batch and its gradient (for checks against finite differences),
    /// the rows split over `shards` shards run concurrently (1: one pass over the whole batch).
    func lossGradient(_ weights: [T], shards count: Int = 1) -> (loss: Double, gradient: [T]) {
        let n = data.trainRows.count
        let shards = (0..<count).map { _ in BatchShard<T>(architecture, capacity: n) }
        var grad = [T](repeating: 0, count: architecture.parameterCount)
        var w = weights
        let loss = w.withUnsafeMutableBufferPointer { W in
            grad.withUnsafeMutableBufferPointer { G in
                batchLossAndGradient(W.baseAddress!, shards: shards, x: data.trainX, y: data.trainY, w: data.trainW, rows: n,
                                     weightSum: data.trainW.reduce(0, +), gradient: G.baseAddress!)
            }
        }
        return (Double(loss), grad)
    }

    /// Weighted RMS error of the total (output 0) on the validation split, in physical units; the rows split
    /// into contiguous blocks over `shards`, run concurrently and summed in shard order.
    func validationRMS(_ w: [T], shards: [BatchShard<T>]) -> Double {
        let n = valW.count
        let count = max(1, min(shards.count, n / Self.minimumShardRows))
        let per = (n + count - 1) / count
        w.withUnsafeBufferPointer { W in
            if count == 1 {
                validationSums(W.baseAddress!, rows: 0..<n, into: shards[0])
                return
            }
            DispatchQueue.concurrentPerform(iterations: count) { k in
                validationSums(W.baseAddress!, rows: (k * per)..<min(n, (k + 1) * per), into: shards[k])
            }
        }
        var num = 0.0, den = 0.0
        for k in 0..<count { num += shards[k].errorSum; den += shards[k].weightSum }
        return (num / max(den, 1e-300)).squareRoot()
    }

    /// Σ w·(error in χ² units)² and Σ w over validation `rows`, into the shard's `errorSum` and `weightSum`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func validationSums(_ W: UnsafePointer<T>, rows range: Range<Int>, into shard: BatchShard<T>) {
        let p = data.inputs, o = data.outputs, batch = shard.batch
        var num = 0.0, den = 0.0
        let scale = data.outputScale[0], transform = TargetTransform(logScale: data.outputLogScale[0])
        func phys(_ y: Double) -> Double { transform.inverse(scale * y) }
        valX.withUnsafeBufferPointer { X in
            var lo = range.lowerBound
            while lo < range.upperBound {
                let rows = min(batch.capacity, range.upperBound - lo)
                let out = batch.forward(parameters: W, input: X.baseAddress! + lo * p, rows: rows)
                let no = architecture.networkOutputs
                for r in 0..<rows {
                    // Error in physical units (χ²), through the output structure and the target transform.
                    let y = architecture.headValue(0, z: out + r * no, parameters: W)
                    let d = phys(Double(y)) - phys(Double(valY[(lo + r) * o]))
                    num += Double(valW[lo + r]) * d * d
                    den += Double(valW[lo + r])
                }
                lo += rows
            }
        }
        shard.errorSum = num
        shard.weightSum = den
    }
}

/// One thread's share of a training batch: its own forward/backward buffers, output adjoints and
/// gradient, so that shards of one batch run concurrently.
final class BatchShard<T: NNScalar> {
    /// Forward and backward buffers.
    let batch: MLPBatch<T>
    /// ∂loss/∂z of the last layer (capacity × networkOutputs).
    let dOut: UnsafeMutablePointer<T>
    /// This shard's gradient (parameterCount).
    let gradient: UnsafeMutablePointer<T>
    /// This shard's loss, and its validation sums (Σ w·error², Σ w).
    var loss: T = 0, errorSum = 0.0, weightSum = 0.0

    init(_ architecture: MLPArchitecture, capacity: Int) {
        batch = MLPBatch<T>(architecture, capacity: capacity)
        dOut = .allocate(capacity: capacity * architecture.networkOutputs)
        dOut.initialize(repeating: 0, count: capacity * architecture.networkOutputs)
        gradient = .allocate(capacity: architecture.parameterCount)
        gradient.initialize(repeating: 0, count: architecture.parameterCount)
    }

    deinit {
        dOut.deallocate()
        gradient.deallocate()
    }
}
