import XCTest
@testable import PDFEmuCore
@testable import PDFEmuIO
@testable import PDFEmuNetwork
import PDFEmuTestSupport

/// Members of an ensemble trained together (each on its own thread, its own data order, the whole batch in
/// one pass) are the members trained one after the other with the same seeds, and a fit of several
/// members interrupted while they train together resumes to the same weights.
final class TogetherTrainingTests: XCTestCase {
    func trainer<T: NNScalar>(_: T.Type, dir: TempDir, threads: Int, members: Int, epochs: Int = 2) throws -> Trainer<T> {
        var cfg = try FitConfig.read(SyntheticScan.writeConfig(dir, SyntheticScan.config(
            scan: dir.file("scan.h5"), output: dir.file("emu.h5"), epochs: epochs, members: members, hidden: "[24, 16]",
            loss: #"{"output_structure": "sum_of_squares", "sos_components": 4}"#)))
        cfg.threads = threads
        cfg.batchSize = 256
        cfg.precision = T.precision
        let scan = try ScanReader.read(cfg.files, options: cfg.read)
        return Trainer<T>(config: cfg, data: try TrainingData<T>(scan: scan, config: cfg), scan: scan)
    }

    func check<T: NNScalar>(_: T.Type) throws {
        let dir = TempDir()
        try SyntheticScan.write(dir.file("scan.h5"), n: 1200)
        let t = try trainer(T.self, dir: dir, threads: 2, members: 2)
        XCTAssertEqual(t.concurrentMembers, 2)
        var seen: [Int: [Double]] = [:]
        let together = t.trainTogether(members: [0, 1], from: [t.initialState(member: 0), t.initialState(member: 1)], timeBudget: 0,
                                       progress: { seen[$0.member, default: []].append($0.validationRMS) },
                                       checkpoint: { _, _ in }, shouldStop: { false })
        XCTAssertEqual(seen[0]?.count, 2)
        XCTAssertEqual(seen[1]?.count, 2)
        // One after the other, each member alone with the whole batch in one pass: the same weights, bit for bit.
        for k in 0..<2 {
            let alone = t.train(member: k, from: t.initialState(member: k), timeBudget: 0, oneThread: true, progress: { _ in },
                                checkpoint: { _ in }, shouldStop: { false })
            XCTAssertEqual(together[k].weights, alone.weights, "member \(k)")
            XCTAssertEqual(together[k].validationRMS, alone.validationRMS)
            XCTAssertEqual(together[k].epochs, 2)
        }
        XCTAssertNotEqual(together[0].weights, together[1].weights, "members start from different seeds")
        // One after the other with each batch split over 2 threads: the same to rounding.
        let sequential = try trainer(T.self, dir: dir, threads: 2, members: 1)
        let tol = T.self == Double.self ? 1e-9 : 2e-3
        for k in 0..<2 {
            let split = sequential.train(member: k, from: sequential.initialState(member: k), timeBudget: 0, progress: { _ in },
                                         checkpoint: { _ in }, shouldStop: { false })
            let start = sequential.initialState(member: k).weights
            var moved = 0.0, worst = 0.0
            for i in split.weights.indices {
                moved = max(moved, abs(Double(split.weights[i] - start[i])))
                worst = max(worst, abs(Double(together[k].weights[i] - split.weights[i])))
            }
            XCTAssertGreaterThan(moved, 1e-3, "training moved the weights")
            XCTAssertLessThan(worst, tol * max(1, moved), "member \(k): together vs one after the other, batches split")
        }
    }

    func testMembersTrainedTogetherEqualMembersTrainedOneAfterTheOther() throws {
        try check(Double.self)
        try check(Float.self)
    }

    /// Two members trained together, interrupted after 3 epochs of member 1: --resume gives the weights of
    /// the uninterrupted fit.
    func testInterruptedTogetherFitResumesToTheSameWeights() throws {
        let dir = TempDir()
        try SyntheticScan.write(dir.file("scan.h5"), n: 800)
        let text = SyntheticScan.config(scan: dir.file("scan.h5"), output: dir.file("emu.h5"), epochs: 6, members: 2, hidden: "[16]")
            .replacingOccurrences(of: "\"threads\": 1", with: "\"threads\": 2")
        let cfg = try FitConfig.read(SyntheticScan.writeConfig(dir, text))
        XCTAssertEqual(cfg.threads, 2)
        let full = try FitRunner.run(config: cfg, options: FitOptions(output: dir.file("full.h5")))
        XCTAssertEqual(full.report.epochs, [6, 6])
        let lock = NSLock()
        var epochs = 0
        let part = try FitRunner.run(config: cfg, options: FitOptions(output: dir.file("emu.h5"), checkpointInterval: 0),
                                     progress: { p in lock.lock(); if p.member == 1 { epochs += 1 }; lock.unlock() },
                                     shouldStop: { lock.lock(); defer { lock.unlock() }; return epochs >= 3 })
        XCTAssertTrue(part.interrupted)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.file("emu.h5.checkpoint.h5")))
        let resumed = try FitRunner.run(config: cfg, options: FitOptions(output: dir.file("emu.h5"), resume: true))
        XCTAssertFalse(resumed.interrupted)
        XCTAssertEqual(resumed.report.epochs, [6, 6])
        for k in 0..<2 { XCTAssertEqual(resumed.emulator.members[k].weights, full.emulator.members[k].weights, "member \(k)") }
    }

    /// The fit's training time counts members trained together once: the longest of each group.
    func testWallSecondsCountsEachGroupOnce() {
        let r = [3.0, 5.0, 2.0].map { MemberResult<Float>(weights: [], validationRMS: 1, epochs: 1, stopReason: .epochs, seconds: $0) }
        XCTAssertEqual(FitRunner.wallSeconds(r, together: 2), 7)
        XCTAssertEqual(FitRunner.wallSeconds(r, together: 1), 10)
        XCTAssertEqual(FitRunner.wallSeconds(r, together: 3), 5)
    }
}
