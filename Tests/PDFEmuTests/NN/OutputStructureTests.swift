import XCTest
@testable import PDFEmuCore
@testable import PDFEmuIO
@testable import PDFEmuNetwork
@testable import PDFEmuAnalysis
@testable import PDFEmuReport
import PDFEmuTestSupport

/// The sum-of-squares output structure: the value is Σ g² − softplus(σ) through the scalers, the
/// batch path agrees with the point path, the training gradient (offset included) matches finite
/// differences of the loss, and a fit stores and reloads it.
final class OutputStructureTests: XCTestCase {
    let arch = MLPArchitecture(inputs: 3, hidden: [8, 6], outputs: 2, activation: .silu, outputStructure: .sumOfSquares, components: 4)

    func weights(seed: UInt64 = 4) -> [Double] {
        var rng = SeededGenerator(seed: seed)
        var w: [Double] = arch.initialParameters(.glorot, rng: &rng)
        for i in w.indices { w[i] += 0.1 * rng.nextGaussian() }
        return w
    }

    func testValueIsSumOfSquaresMinusOffsetAndBatchMatchesPoint() {
        XCTAssertEqual(arch.networkOutputs, 5)
        XCTAssertEqual(arch.tensors.last?.name, "head.offset")
        XCTAssertEqual(arch.offsetIndex, arch.parameterCount - 1)
        let w = weights()
        let net = DenseNetwork(architecture: arch, weights: w, inputMean: [0, 0, 0], inputTransform: [1, 0, 0, 0, 1, 0, 0, 0, 1],
                               outputShift: [10, 2], outputScale: [3, 1], outputLogScale: [0, 0])
        var rng = SeededGenerator(seed: 1)
        let n = 20
        let thetas = (0..<(3 * n)).map { _ in rng.nextGaussian() }
        let batch = MLPBatch<Double>(arch, capacity: 32)
        let out = w.withUnsafeBufferPointer { batch.forward(parameters: $0.baseAddress!, input: thetas, rows: n) }
        let s = softplus(w.last!)
        for i in 0..<n {
            let z = Array(UnsafeBufferPointer(start: out + i * 5, count: 5))
            let ref = net.outputs(at: Array(thetas[(3 * i)..<(3 * i + 3)]))
            XCTAssertEqual(ref[0], 10 + 3 * (z[0...3].reduce(0) { $0 + $1 * $1 } - s), accuracy: 1e-10)
            XCTAssertEqual(ref[1], 2 + z[4], accuracy: 1e-10)
            XCTAssertGreaterThanOrEqual(ref[0], 10 - 3 * s)
            let y0 = w.withUnsafeBufferPointer { arch.headValue(0, z: out + i * 5, parameters: $0.baseAddress!) }
            XCTAssertEqual(net.physical(0, y0), ref[0], accuracy: 1e-10)
        }
    }

    /// The trainer's loss gradient with respect to every parameter (the offset σ included) against
    /// central finite differences of the loss.
    func testTrainingGradientMatchesFiniteDifferences() throws {
        let dir = TempDir()
        try SyntheticScan.write(dir.file("scan.h5"), n: 200)
        let cfg = try FitConfig.read(SyntheticScan.writeConfig(dir, SyntheticScan.config(
            scan: dir.file("scan.h5"), output: dir.file("emu.h5"), extra: ", \"batch_size\": 1000",
            hidden: "[6]").replacingOccurrences(of: "\"seed\": 3", with: "\"loss\": {\"output_structure\": \"sum_of_squares\", \"sos_components\": 3}, \"seed\": 3")))
        XCTAssertEqual(cfg.outputStructure, .sumOfSquares)
        let scan = try ScanReader.read(cfg.files, options: cfg.read)
        var c = cfg
        c.precision = .float64
        let data = try TrainingData<Double>(scan: scan, config: c)
        let trainer = Trainer<Double>(config: c, data: data, scan: scan)
        XCTAssertEqual(trainer.architecture.networkOutputs, 3 + 2)
        var rng = SeededGenerator(seed: 2)
        var w: [Double] = trainer.architecture.initialParameters(.glorot, rng: &rng)
        for i in w.indices { w[i] += 0.2 * rng.nextGaussian() }
        let g = trainer.lossGradient(w)
        let h = 1e-6
        for i in Array(stride(from: 0, to: w.count, by: 7)) + [w.count - 1] {
            var wp = w, wm = w
            wp[i] += h; wm[i] -= h
            let fd = (trainer.lossGradient(wp).loss - trainer.lossGradient(wm).loss) / (2 * h)
            XCTAssertEqual(g.gradient[i], fd, accuracy: 1e-6 * max(1, abs(fd)), "parameter \(i)")
        }
        XCTAssertNotEqual(g.gradient[w.count - 1], 0, "the offset learns")
    }

    /// A sum-of-squares fit learns the synthetic χ², never goes below −s, stores its structure and
    /// reloads bit-identically; old files are `direct`.
    func testFitStoresAndReloadsTheStructure() throws {
        let dir = TempDir()
        try SyntheticScan.write(dir.file("scan.h5"), n: 3000)
        let text = SyntheticScan.config(scan: dir.file("scan.h5"), output: dir.file("emu.h5"))
            .replacingOccurrences(of: "\"seed\": 3", with: "\"loss\": {\"output_structure\": \"sum_of_squares\", \"sos_components\": 8}, \"seed\": 3")
        let cfg = try FitConfig.read(SyntheticScan.writeConfig(dir, text))
        let r = try FitRunner.run(config: cfg, options: FitOptions(output: dir.file("emu.h5")))
        XCTAssertEqual(r.emulator.architecture.outputStructure, .sumOfSquares)
        XCTAssertLessThan(try XCTUnwrap(r.report.outputs[0].bins[1].rms), 1.0, "RMS error in Δχ² ∈ [1,10)")
        let loaded = try Emulator.load(dir.file("emu.h5"))
        XCTAssertEqual(loaded.architecture, r.emulator.architecture)
        let theta = [0.6, -0.1, 0.2]
        XCTAssertEqual(loaded.prediction(at: theta), r.emulator.prediction(at: theta))
        let a = loaded.valueGradientHessian(at: theta), b = r.emulator.valueGradientHessian(at: theta)
        XCTAssertEqual(a.gradient, b.gradient); XCTAssertEqual(a.hessian, b.hessian)
        XCTAssertEqual(loaded.predictBatch(theta).value[0], loaded.value(at: theta), accuracy: 1e-4 * abs(loaded.value(at: theta)))
        // Held-out points of the same χ² (another seed): the errors are binned, one member has no coverage,
        // and minimisation from 20 points finds no valley below −s·scale (through log1p), above −1 here.
        try SyntheticScan.write(dir.file("held.h5"), n: 500, seed: 77)
        let held = try ScanReader.read([dir.file("held.h5")])
        let h = HeldOutAccuracy.measure(loaded, heldOut: held, starts: (0..<20).map { held.point($0) })
        XCTAssertEqual(h.accuracy.bins.reduce(0) { $0 + $1.count }, 500)
        XCTAssertNil(h.coverage)
        XCTAssertEqual(h.starts, 20)
        XCTAssertGreaterThan(h.lowestMinimum, -1)
        XCTAssertLessThan(h.lowestMinimum, 1, "the minimisations reach the minimum")
        XCTAssertTrue(h.row("sos").contains("no spread (1 member)"))
        let old = try Emulator.load(packageRoot.appendingPathComponent("Datasets/hera14_emulator.h5").path)
        XCTAssertEqual(old.architecture.outputStructure, .direct)
    }

    func testConfigErrorsNameTheKey() throws {
        let dir = TempDir()
        for (loss, key) in [("{\"output_structure\": \"squares\"}", "loss.output_structure"), ("{\"sos_components\": 0}", "loss.sos_components")] {
            let text = SyntheticScan.config(scan: "s.h5", output: "e.h5").replacingOccurrences(of: "\"seed\": 3", with: "\"loss\": \(loss), \"seed\": 3")
            XCTAssertThrowsError(try FitConfig.read(SyntheticScan.writeConfig(dir, text))) { e in
                XCTAssertTrue(userMessage(e).contains(key), userMessage(e))
            }
        }
    }
}
