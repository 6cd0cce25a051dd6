import XCTest
@testable import PDFEmuCore
@testable import PDFEmuIO
@testable import PDFEmuNetwork
@testable import PDFEmuAnalysis
@testable import PDFEmuReport
import PDFEmuTestSupport

final class SpreadCalibrationTests: XCTestCase {
    /// A synthetic ensemble whose raw spread is too small by a different factor in each Δχ² bin: the
    /// calibration fitted on one sample covers 95.4% of an independent sample within 2σ in every bin,
    /// where the raw spread covers far less.
    func testCalibratedCoverageOnHeldOutPointsIsNominal() {
        let true_ = [2.5, 4.0, 1.5, 6.0]  // error = N(0, (k·σ)²) with k per bin
        func sample(_ n: Int, seed: UInt64) -> (e: [Double], s: [Double], d: [Double]) {
            var rng = SeededGenerator(seed: seed)
            var e: [Double] = [], s: [Double] = [], d: [Double] = []
            for _ in 0..<n {
                let delta = pow(10, rng.nextUniform(in: -1, 3)), sigma = 0.01 * (1 + delta) * rng.nextUniform(in: 0.3, 1.7)
                d.append(delta); s.append(sigma)
                e.append(rng.nextGaussian() * true_[DeltaChi2Bins.index(delta)] * sigma)
            }
            return (e, s, d)
        }
        let fit = sample(20_000, seed: 1), held = sample(20_000, seed: 2)
        let cal = try! XCTUnwrap(SpreadCalibration.fit(errors: fit.e, rawSpreads: fit.s, predictedDeltaChi2: fit.d,
                                                       lowerEdges: DeltaChi2Bins.edges))
        for k in 0..<4 { XCTAssertEqual(cal.factors[k], true_[k], accuracy: 0.1 * true_[k], "bin \(k)"); XCTAssertGreaterThan(cal.points[k], 1000) }
        let calibrated = held.s.indices.map { cal.apply(rawSpread: held.s[$0], predictedDeltaChi2: held.d[$0]) }
        let cov = SpreadCoverage.measure(split: "held-out", errors: held.e, rawSpread: held.s, spread: calibrated, deltaChi2: held.d)
        for b in cov.bins {
            XCTAssertEqual(try XCTUnwrap(b.within2), 0.9545, accuracy: 0.01, "2σ coverage in \(b.range)")
            XCTAssertEqual(try XCTUnwrap(b.within1), 0.6827, accuracy: 0.025, "1σ coverage in \(b.range)")
            let k = true_[DeltaChi2Bins.labels.firstIndex(of: b.range)!]
            XCTAssertEqual(try XCTUnwrap(b.rawWithin2), erf(2 / k / 2.0.squareRoot()), accuracy: 0.015, "raw 2σ coverage in \(b.range)")
        }
    }

    /// Members that share an error their spread cannot see (a common bias τ·z on top of σ_raw·z′, σ_raw
    /// spanning two decades): the fitted floor finds τ, and the calibrated σ covers an independent sample
    /// at the nominal 1σ and 2σ shares — also among the points whose raw spread is smallest, which a
    /// factor alone leaves badly under-covered.
    func testAFloorCoversAnErrorTheMembersShare() {
        let tau = 0.05
        func sample(_ n: Int, seed: UInt64) -> (e: [Double], s: [Double], d: [Double]) {
            var rng = SeededGenerator(seed: seed)
            var e: [Double] = [], s: [Double] = [], d: [Double] = []
            for _ in 0..<n {
                let sigma = pow(10, rng.nextUniform(in: -3, -1))
                s.append(sigma); d.append(rng.nextUniform(in: 0, 1))
                e.append(tau * rng.nextGaussian() + sigma * rng.nextGaussian())
            }
            return (e, s, d)
        }
        let fit = sample(20_000, seed: 3), held = sample(20_000, seed: 4)
        let cal = try! XCTUnwrap(SpreadCalibration.fit(errors: fit.e, rawSpreads: fit.s, predictedDeltaChi2: fit.d,
                                                       lowerEdges: DeltaChi2Bins.edges))
        XCTAssertEqual(cal.floors[0], tau, accuracy: 0.3 * tau)
        let calibrated = held.s.indices.map { cal.apply(rawSpread: held.s[$0], predictedDeltaChi2: held.d[$0]) }
        func share(_ k: Double, _ rows: [Int]) -> Double { Double(rows.filter { abs(held.e[$0]) <= k * calibrated[$0] }.count) / Double(rows.count) }
        let all = Array(held.e.indices), small = all.filter { held.s[$0] < 0.005 }
        XCTAssertEqual(share(2, all), 0.9545, accuracy: 0.01)
        XCTAssertEqual(share(1, all), 0.6827, accuracy: 0.025)
        XCTAssertEqual(share(2, small), 0.9545, accuracy: 0.02, "smallest raw spreads")
        // The factor-only calibration (floor 0) on the same sample: the small-spread points are not covered.
        let factorOnly = SpreadCalibration(lowerEdges: cal.lowerEdges, factors: [SpreadCalibration.factor(
            fit.e.indices.map { abs(fit.e[$0]) / fit.s[$0] }, coverage: 0.9545, sigmas: 2)!] + [1, 1, 1], points: cal.points, coverage: 0.9545, sigmas: 2)
        func factorOnlyShare(_ rows: [Int]) -> Double {
            Double(rows.filter { abs(held.e[$0]) <= 2 * factorOnly.apply(rawSpread: held.s[$0], predictedDeltaChi2: held.d[$0]) }.count) / Double(rows.count)
        }
        XCTAssertLessThan(factorOnlyShare(small), 0.9)
        XCTAssertGreaterThan(factorOnlyShare(all.filter { held.s[$0] > 0.03 }), 0.999, "a factor alone makes the large spreads far too wide")
    }

    /// A bin with too few points takes the pooled factor; zero spreads get a floor alone (a constant
    /// error bar); with every error 0 as well no calibration exists.
    func testSparseBinsPoolAndZeroSpreadsGiveNone() {
        let e = [Double](repeating: 1, count: 50) + [3], s = [Double](repeating: 1, count: 51)
        let d = [Double](repeating: 0.5, count: 50) + [500]
        let cal = try! XCTUnwrap(SpreadCalibration.fit(errors: e, rawSpreads: s, predictedDeltaChi2: d, lowerEdges: DeltaChi2Bins.edges))
        XCTAssertEqual(cal.factors[0], 0.5)
        XCTAssertEqual(cal.points, [50, 0, 0, 0])
        XCTAssertEqual(cal.factors[3], cal.factors[1])
        let floorOnly = try! XCTUnwrap(SpreadCalibration.fit(errors: [1, -2, 0.5], rawSpreads: [0, 0, 0], predictedDeltaChi2: [0, 0, 0], lowerEdges: [0]))
        XCTAssertGreaterThan(floorOnly.floors[0], 0)
        XCTAssertEqual(2 * floorOnly.apply(rawSpread: 0, predictedDeltaChi2: 0), 2, accuracy: 1e-12, "the largest |error| within 2σ")
        XCTAssertNil(SpreadCalibration.fit(errors: [0, 0], rawSpreads: [0, 0], predictedDeltaChi2: [0, 0], lowerEdges: [0]))
    }

    /// A bin with a few points (here 12 at an error scale 10× below the next bin's) keeps its own scale:
    /// its stated σ is ~10× smaller than the next bin's, not the pooled (next bin's) one.
    func testASparseBinKeepsItsOwnErrorScale() {
        var rng = SeededGenerator(seed: 9)
        var e: [Double] = [], s: [Double] = [], d: [Double] = []
        for i in 0..<2012 {
            let scale = i < 12 ? 0.01 : 0.1
            let sigma = scale * rng.nextUniform(in: 0.2, 1)
            e.append(0.5 * scale * rng.nextGaussian() + sigma * rng.nextGaussian()); s.append(sigma)
            d.append(i < 12 ? 0.5 : 5)
        }
        let cal = try! XCTUnwrap(SpreadCalibration.fit(errors: e, rawSpreads: s, predictedDeltaChi2: d, lowerEdges: DeltaChi2Bins.edges))
        XCTAssertEqual(cal.points[0], 0)
        XCTAssertEqual(cal.points[1], 2000)
        XCTAssertEqual(cal.factors[0], cal.factors[1])
        let ratio = cal.apply(rawSpread: 0.006, predictedDeltaChi2: 0.5) / cal.apply(rawSpread: 0.06, predictedDeltaChi2: 5)
        XCTAssertEqual(ratio, 0.1 * SpreadCalibration.upperBoundFactor(points: 12), accuracy: 0.05)
        XCTAssertGreaterThan(ratio, 0.1)
        // The upper bound's factor against tabulated χ² quantiles: χ²₀.₀₅(3) = 0.352, (12) = 5.226, (100) = 77.93.
        XCTAssertEqual(SpreadCalibration.upperBoundFactor(points: 3), (3 / 0.352).squareRoot(), accuracy: 0.05 * (3 / 0.352).squareRoot())
        XCTAssertEqual(SpreadCalibration.upperBoundFactor(points: 12), (12 / 5.226).squareRoot(), accuracy: 0.01)
        XCTAssertEqual(SpreadCalibration.upperBoundFactor(points: 100), (100 / 77.93).squareRoot(), accuracy: 0.002)
    }

    /// A 3-member fit stores its calibration; it loads back equal, the predictions carry the calibrated
    /// and the raw spread, and the report holds the coverage table. A damaged calibration is refused by name.
    func testCalibrationStoredRoundTrip() throws {
        let dir = TempDir()
        try SyntheticScan.write(dir.file("scan.h5"), n: 2000)
        let cfg = try FitConfig.read(SyntheticScan.writeConfig(dir, SyntheticScan.config(scan: dir.file("scan.h5"), output: dir.file("emu.h5"),
                                                                                         epochs: 15, members: 3, hidden: "[16, 16]")))
        let r = try FitRunner.run(config: cfg, options: FitOptions(output: dir.file("emu.h5")))
        let cal = try XCTUnwrap(r.emulator.calibration)
        XCTAssertEqual(r.emulator.spreadStatus, .calibrated)
        XCTAssertEqual(r.report.coverage?.map(\.split), ["validation", "test"])
        XCTAssertTrue(r.report.text().contains("spread coverage"), r.report.text())
        let loaded = try Emulator.load(dir.file("emu.h5"))
        XCTAssertEqual(loaded.calibration, cal)
        XCTAssertEqual(loaded.report, r.report)
        let theta = [0.6, -0.1, 0.2]
        let p = loaded.prediction(at: theta)
        XCTAssertEqual(p.spread, cal.apply(rawSpread: p.rawSpread, predictedDeltaChi2: p.value - loaded.sampleMinimum))
        XCTAssertNotEqual(p.spread, p.rawSpread)
        let batch = loaded.predictBatch(theta)
        XCTAssertEqual(batch.spread[0], cal.apply(rawSpread: batch.rawSpread[0], predictedDeltaChi2: batch.value[0] - loaded.sampleMinimum))
        XCTAssertTrue(try EmulatorSummary(path: dir.file("emu.h5")).text().contains("calibrated ensemble spread"))
        // Validation coverage within 2σ is what the factors were fitted to, binned by the predicted Δχ²;
        // by the true Δχ² it is close to it in the populated bins.
        let val = try XCTUnwrap(r.report.coverage?.first)
        for b in val.bins where b.count >= 50 { XCTAssertGreaterThan(try XCTUnwrap(b.within2), 0.85, b.range) }

        // A file of the first method (factor only): its floors are not read, they count as 0.
        try loaded.write(to: dir.file("old.h5"))
        do {
            let f = try HDF5File(open: dir.file("old.h5"), writable: true)
            try f.writeAttribute("method", SpreadCalibration.factorOnlyMethod, of: "/calibration")
            try f.flush()
        }
        let old = try XCTUnwrap(try Emulator.load(dir.file("old.h5")).calibration)
        XCTAssertEqual(old.factors, cal.factors)
        XCTAssertEqual(old.floors, cal.floors.map { _ in 0 })

        var damaged = cal
        damaged.factors[1] = -1
        let bad = loaded.with(calibration: damaged)
        try bad.write(to: dir.file("bad.h5"))
        XCTAssertThrowsError(try Emulator.load(dir.file("bad.h5"))) { e in
            XCTAssertTrue(userMessage(e).contains("/calibration/factors"), userMessage(e))
        }
    }

    /// Files written before the calibration existed load as uncalibrated (spread = raw spread); one
    /// member says it has no spread.
    func testOldFilesAreUncalibratedAndOneMemberHasNoSpread() throws {
        let emu = try Emulator.load(packageRoot.appendingPathComponent("Datasets/hera14_emulator.h5").path)
        XCTAssertNil(emu.calibration)
        XCTAssertEqual(emu.spreadStatus, emu.members.count > 1 ? .uncalibrated : .singleMember)
        let p = emu.prediction(at: emu.bestTrainingPoints[0])
        XCTAssertEqual(p.spread, p.rawSpread)

        let dir = TempDir()
        try SyntheticScan.write(dir.file("scan.h5"), n: 600)
        let cfg = try FitConfig.read(SyntheticScan.writeConfig(dir, SyntheticScan.config(scan: dir.file("scan.h5"), output: dir.file("one.h5"),
                                                                                         epochs: 2, hidden: "[8]")))
        let r = try FitRunner.run(config: cfg, options: FitOptions(output: dir.file("one.h5")))
        XCTAssertEqual(r.emulator.spreadStatus, .singleMember)
        XCTAssertNil(r.report.coverage)
        XCTAssertTrue(r.report.text().contains("no ensemble spread: 1 member"), r.report.text())
    }
}
