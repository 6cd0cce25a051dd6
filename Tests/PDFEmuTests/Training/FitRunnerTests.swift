import XCTest
@testable import PDFEmuCore
@testable import PDFEmuIO
@testable import PDFEmuNetwork
@testable import PDFEmuReport
import PDFEmuTestSupport

final class FitRunnerTests: XCTestCase {
    func testFitLearnsSyntheticChi2AndRoundTrips() throws {
        let dir = TempDir()
        try SyntheticScan.write(dir.file("scan.h5"), n: 3000)
        let cfg = try FitConfig.read(SyntheticScan.writeConfig(dir, SyntheticScan.config(scan: dir.file("scan.h5"), output: dir.file("emu.h5"), members: 2)))
        let r = try FitRunner.run(config: cfg, options: FitOptions(output: dir.file("emu.h5")))
        XCTAssertFalse(r.diverged)
        XCTAssertEqual(r.emulator.members.count, 2)
        // Accuracy near the minimum: the function is smooth, a small net gets within a fraction of a unit.
        let near = r.report.outputs[0].bins[1]
        XCTAssertGreaterThan(near.count, 0)
        XCTAssertLessThan(try XCTUnwrap(near.rms), 1.0, "RMS error in Δχ² ∈ [1,10)")
        // Throughput: samples/s and the GEMM rate they amount to, against the peak measured after training.
        let tp = try XCTUnwrap(r.report.throughput)
        XCTAssertEqual(tp.samplesPerSecond, Double(2 * 40 * 2400) / r.report.trainingSeconds, accuracy: 1e-6 * tp.samplesPerSecond)
        XCTAssertGreaterThan(tp.peakGFLOPS, 0)
        XCTAssertEqual(tp.gflops, tp.samplesPerSecond * r.emulator.architecture.trainingFlopsPerSample * 1e-9, accuracy: 1e-9 * tp.gflops)
        XCTAssertTrue(r.report.text().contains("training samples/s"), r.report.text())
        let theta = [0.6, -0.1, 0.2]
        XCTAssertEqual(r.emulator.value(at: theta), SyntheticScan.chi2(theta).total, accuracy: 1.5)
        // Save/load round trip: bit-identical predictions.
        let loaded = try Emulator.load(dir.file("emu.h5"))
        XCTAssertEqual(loaded.parameterNames, SyntheticScan.names)
        XCTAssertEqual(loaded.experimentNames, ["E1", "E2"])
        XCTAssertEqual(loaded.report, r.report)
        for t in [theta, [0.1, 0.3, -0.4], [1.2, -1.0, 0.0]] {
            XCTAssertEqual(loaded.prediction(at: t), r.emulator.prediction(at: t))
            let a = loaded.valueGradientHessian(at: t), b = r.emulator.valueGradientHessian(at: t)
            XCTAssertEqual(a.value, b.value); XCTAssertEqual(a.gradient, b.gradient); XCTAssertEqual(a.hessian, b.hessian)
        }
        let pts = theta + [0.1, 0.3, -0.4]
        XCTAssertEqual(loaded.predictBatch(pts).value, r.emulator.predictBatch(pts).value)
        // The batched float32 path agrees with the double-precision point path to single precision.
        let batch = loaded.predictBatch(pts)
        for (i, t) in [theta, [0.1, 0.3, -0.4]].enumerated() {
            XCTAssertEqual(batch.value[i], loaded.prediction(at: t).value, accuracy: 1e-4 * abs(batch.value[i]))
        }
        // Ensemble: mean of the members, with a spread.
        let per = loaded.members.map { $0.outputs(at: theta)[0] }
        XCTAssertEqual(loaded.prediction(at: theta).value, (per[0] + per[1]) / 2, accuracy: 1e-9)
        XCTAssertGreaterThan(loaded.prediction(at: theta).spread, 0)
        XCTAssertEqual(hdf5OpenObjectCount(), 0)
        // No checkpoint left behind after a complete fit.
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("emu.h5.checkpoint.h5")))
    }

    func testInterruptedFitResumesToTheSameWeights() throws {
        let dir = TempDir()
        try SyntheticScan.write(dir.file("scan.h5"), n: 800)
        let text = SyntheticScan.config(scan: dir.file("scan.h5"), output: dir.file("emu.h5"), epochs: 6, hidden: "[16]")
        let cfg = try FitConfig.read(SyntheticScan.writeConfig(dir, text))
        let full = try FitRunner.run(config: cfg, options: FitOptions(output: dir.file("full.h5")))
        var epochs = 0
        let part = try FitRunner.run(config: cfg, options: FitOptions(output: dir.file("emu.h5"), checkpointInterval: 0),
                                     progress: { _ in epochs += 1 }, shouldStop: { epochs >= 3 })
        XCTAssertTrue(part.interrupted)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.file("emu.h5.checkpoint.h5")))
        let resumed = try FitRunner.run(config: cfg, options: FitOptions(output: dir.file("emu.h5"), resume: true))
        XCTAssertFalse(resumed.interrupted)
        XCTAssertEqual(resumed.report.epochs, [6])
        XCTAssertEqual(resumed.emulator.members[0].weights, full.emulator.members[0].weights)
    }

    func testDivergenceKeepsBestWeightsAndSaysSo() throws {
        let dir = TempDir()
        try SyntheticScan.write(dir.file("scan.h5"), n: 600)
        let text = SyntheticScan.config(scan: dir.file("scan.h5"), output: dir.file("emu.h5"), extra: ", \"optimizer\": \"sgd\", \"momentum\": 0.99, \"schedule\": \"constant\"", epochs: 30, hidden: "[16]")
            .replacingOccurrences(of: "\"learning_rate\": 0.003", with: "\"learning_rate\": 50")
        let cfg = try FitConfig.read(SyntheticScan.writeConfig(dir, text))
        do {
            let r = try FitRunner.run(config: cfg, options: FitOptions(output: dir.file("emu.h5")))
            XCTAssertTrue(r.diverged)
            XCTAssertTrue(r.report.validationRMS[0].isFinite)
        } catch let e as PDFEmuError {
            // Diverged in the first epoch: no emulator at all, and nothing written.
            XCTAssertTrue(e.message.contains("diverged"), e.message)
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("emu.h5")))
        }
    }

    func testNaNRowsAreDroppedAndCounted() throws {
        let dir = TempDir()
        try SyntheticScan.write(dir.file("scan.h5"), n: 500, nanRows: 7)
        let cfg = try FitConfig.read(SyntheticScan.writeConfig(dir, SyntheticScan.config(scan: dir.file("scan.h5"), output: dir.file("emu.h5"), epochs: 1, hidden: "[8]")))
        let r = try FitRunner.run(config: cfg, options: FitOptions(output: dir.file("emu.h5")))
        XCTAssertEqual(r.droppedRows, 7)
    }

    func testOutputInMissingDirectoryFailsBeforeTraining() throws {
        let dir = TempDir()
        try SyntheticScan.write(dir.file("scan.h5"), n: 200)
        let cfg = try FitConfig.read(SyntheticScan.writeConfig(dir, SyntheticScan.config(scan: dir.file("scan.h5"), output: dir.file("nope/emu.h5"), epochs: 1)))
        XCTAssertThrowsError(try FitRunner.run(config: cfg, options: FitOptions(output: cfg.output))) { e in
            XCTAssertTrue(userMessage(e).contains("does not exist"), userMessage(e))
        }
    }
}
