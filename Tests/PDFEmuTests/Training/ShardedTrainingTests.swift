import XCTest
@testable import PDFEmuCore
@testable import PDFEmuIO
@testable import PDFEmuNetwork
import PDFEmuTestSupport

/// A batch split over threads (`training.threads` shards, each a block of rows on its own thread with its
/// own buffers) gives the gradient and the updates of the whole batch in one pass, to rounding.
final class ShardedTrainingTests: XCTestCase {
    /// A trainer on a synthetic scan with the default sum-of-squares head and two experiments.
    func trainer<T: NNScalar>(_: T.Type, threads: Int, epochs: Int = 1, batch: Int = 256) throws -> (Trainer<T>, TempDir) {
        let dir = TempDir()
        try SyntheticScan.write(dir.file("scan.h5"), n: 1200)
        var cfg = try FitConfig.read(SyntheticScan.writeConfig(dir, SyntheticScan.config(
            scan: dir.file("scan.h5"), output: dir.file("emu.h5"), epochs: epochs, hidden: "[24, 16]",
            loss: #"{"output_structure": "sum_of_squares", "sos_components": 4}"#)))
        cfg.perExperiment = true
        cfg.threads = threads
        cfg.batchSize = batch
        cfg.precision = T.precision
        let scan = try ScanReader.read(cfg.files, options: cfg.read)
        let data = try TrainingData<T>(scan: scan, config: cfg)
        return (Trainer<T>(config: cfg, data: data, scan: scan), dir)
    }

    func perturbed<T: NNScalar>(_ trainer: Trainer<T>) -> [T] {
        var rng = SeededGenerator(seed: 11)
        var w: [T] = trainer.architecture.initialParameters(.glorot, rng: &rng)
        for i in w.indices { w[i] += T(0.2 * rng.nextGaussian()) }
        return w
    }

    /// Loss and gradient of all training rows through 2 and 3 shards equal one pass over them.
    func testShardedGradientEqualsWholeBatch() throws {
        let (t, _) = try trainer(Double.self, threads: 1)
        XCTAssertEqual(t.architecture.outputStructure, .sumOfSquares)
        XCTAssertGreaterThan(t.data.outputs, 1, "experiments are trained too")
        let w = perturbed(t)
        let whole = t.lossGradient(w)
        XCTAssertGreaterThan(whole.gradient.map(abs).max()!, 1e-3)
        for shards in [2, 3] {
            let split = t.lossGradient(w, shards: shards)
            XCTAssertEqual(split.loss, whole.loss, accuracy: 1e-12 * abs(whole.loss), "\(shards) shards")
            for i in w.indices {
                XCTAssertEqual(split.gradient[i], whole.gradient[i], accuracy: 1e-12 * max(1, abs(whole.gradient[i])),
                               "parameter \(i), \(shards) shards")
            }
        }
        // Float kernels (fused bias+activation, σ' with the bias sums) agree with double to float rounding.
        let (tf, _) = try trainer(Float.self, threads: 1)
        let wf = w.map { Float($0) }
        let one = tf.lossGradient(wf), two = tf.lossGradient(wf, shards: 2)
        let scale = Double(one.gradient.map(abs).max()!)
        for i in wf.indices {
            XCTAssertEqual(Double(two.gradient[i]), Double(one.gradient[i]), accuracy: 1e-5 * scale, "float parameter \(i)")
            XCTAssertEqual(Double(one.gradient[i]), whole.gradient[i], accuracy: 2e-3 * scale, "float vs double, parameter \(i)")
        }
    }

    /// Two epochs of training at 2 threads (batches of 256 split in two shards) take the same steps as at
    /// 1 thread (one pass per batch): same initialisation, same shuffles, weights equal to rounding.
    func testShardedTrainingTakesTheSameSteps() throws {
        func run(threads: Int) throws -> (MemberResult<Double>, Int) {
            let (t, _) = try trainer(Double.self, threads: threads, epochs: 2)
            XCTAssertEqual(t.makeShards(batch: 256).count, threads)
            var validations: [Double] = []
            let r = t.train(member: 1, from: t.initialState(member: 1), timeBudget: 0, progress: { validations.append($0.validationRMS) },
                            checkpoint: { _ in }, shouldStop: { false })
            XCTAssertEqual(validations.count, 2)
            return (r, t.data.trainRows.count)
        }
        let (one, rows) = try run(threads: 1)
        let (two, _) = try run(threads: 2)
        XCTAssertGreaterThan(rows, 512, "several batches of 256 per epoch")
        XCTAssertEqual(two.epochs, one.epochs)
        XCTAssertEqual(two.validationRMS, one.validationRMS, accuracy: 1e-9 * one.validationRMS)
        let start: [Double] = try trainer(Double.self, threads: 1).0.initialState(member: 1).weights
        var moved = 0.0
        for i in one.weights.indices {
            XCTAssertEqual(two.weights[i], one.weights[i], accuracy: 1e-9 * max(1, abs(one.weights[i])), "weight \(i)")
            moved = max(moved, abs(one.weights[i] - start[i]))
        }
        XCTAssertGreaterThan(moved, 1e-3, "training moved the weights")
    }
}
