import Foundation
import XCTest
@testable import PDFEmuIO
@testable import PDFEmuAnalysis
@testable import PDFEmuLearn
@testable import PDFEmuReport
import PDFEmuTestSupport

/// `scan --refine ORACLE` (issue 18, item 1): the same answers, evaluations and files as `scan` then
/// `refine`; its settings are refine's, named with scan's spelling; profile plots mark the exact answers.
final class ScanRefineTests: XCTestCase {
    let emulator = packageRoot.appendingPathComponent("Datasets/hera14_emulator.h5").path
    let theory = "fk:" + packageRoot.appendingPathComponent("Datasets/hera_fk_nlo.h5").path

    /// One command or two: the refined JSON (answers, evaluations, batches) and the refined scan file are the same.
    func testScanRefineGivesWhatScanThenRefineGives() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let scanArgs = ["scan", "--emulator", emulator, "--params", "Bg", "--tolerance", "1"]
        let one = try PDFEmuExecutable.run(scanArgs + ["--refine", theory, "--refine-gradients", "exact", "--refine-budget", "60",
                                                        "--refine-max-iterations", "8", "--json", "--output", dir.path("one.h5"),
                                                        "--plot", dir.path("plots")])
        XCTAssertTrue(one.status == 0 || one.status == 1, one.stderr)
        let s = try PDFEmuExecutable.run(scanArgs + ["--output", dir.path("s.h5")])
        XCTAssertEqual(s.status, 0, s.stderr)
        let two = try PDFEmuExecutable.run(["refine", "--emulator", emulator, "--scan", dir.path("s.h5"), "--oracle", theory,
                                            "--gradients", "exact", "--budget", "60", "--max-iterations", "8", "--json",
                                            "--output", dir.path("two.h5")])
        XCTAssertEqual(one.status, two.status, two.stderr)
        var a = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(one.stdout.utf8)) as? [String: Any])
        a["timing"] = nil   // the scan run now has its timing; a scan read from a file has none
        let b = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(two.stdout.utf8)) as? [String: Any])
        let ra = try XCTUnwrap(a["refine"] as? [String: Any]), rb = try XCTUnwrap(b["refine"] as? [String: Any])
        XCTAssertEqual(NSDictionary(dictionary: ra), NSDictionary(dictionary: rb))
        XCTAssertGreaterThan(try XCTUnwrap(ra["evaluations"] as? Int), 0)
        XCTAssertEqual(NSDictionary(dictionary: a), NSDictionary(dictionary: b), "the refined scans differ")
        // The files: the same refined scan and /refine.
        let fa = try ScanResult.read(dir.path("one.h5")), fb = try ScanResult.read(dir.path("two.h5"))
        XCTAssertEqual(fa.profiles[0].intervals, fb.profiles[0].intervals)
        XCTAssertEqual(fa.minimum.chi2, fb.minimum.chi2)
        let refA = try XCTUnwrap(try RefineResult.read(dir.path("one.h5"))), refB = try XCTUnwrap(try RefineResult.read(dir.path("two.h5")))
        XCTAssertEqual(refA, refB)
        // The exact ends are in place: the file's interval ends are refine's, not the emulator's.
        for ans in refA.answers where ans.kind == "profile" && ans.status != .open {
            let iv = try XCTUnwrap(fa.profiles[0].intervals.first { $0.tolerance == ans.tolerance })
            XCTAssertEqual(ans.side == "lower" ? iv.lower : iv.upper, ans.exactValue, ans.name)
        }
        // The plot marks the exact minimum (and the ends refine reached) beside the emulator's curve.
        let texts = try svgTexts(String(contentsOfFile: dir.path("plots/profile_Bg.svg"), encoding: .utf8))
        XCTAssertTrue(texts.contains { $0.hasPrefix(ScanPlots.exactMinimumLabel) }, texts.joined(separator: " | "))
        XCTAssertTrue(texts.contains(ScanPlots.exactEndsLabel) || texts.contains(ScanPlots.uncertifiedExactEndsLabel), texts.joined(separator: " | "))
    }

    /// Bad refine settings on scan: one line naming scan's flag, nothing written.
    func testBadRefineSettingsOnScanAreOneLineNamingTheFlag() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let out = dir.path("o.h5"), plots = dir.path("plots")
        let base = ["scan", "--emulator", emulator, "--params", "Bg", "--tolerance", "1", "--output", out, "--plot", plots]
        try PDFEmuExecutable.expectOneLineError(base + ["--refine-budget", "10"], containing: "--refine-… options need --refine", absent: [out, plots])
        try PDFEmuExecutable.expectOneLineError(base + ["--refine", theory, "--refine-budget", "0"], containing: "--refine-budget: must be at least 1", absent: [out, plots])
        try PDFEmuExecutable.expectOneLineError(base + ["--refine", theory, "--refine-epsilon", "-1"], containing: "--refine-epsilon: must be a positive", absent: [out, plots])
        try PDFEmuExecutable.expectOneLineError(base + ["--refine", theory, "--refine-max-iterations", "0"], containing: "--refine-max-iterations: must be at least 1", absent: [out, plots])
        try PDFEmuExecutable.expectOneLineError(base + ["--refine", theory, "--verify", theory], containing: "--verify and --refine", absent: [out, plots])
        try PDFEmuExecutable.expectOneLineError(base + ["--refine", theory, "--refine-gradients", "both"], containing: "'both' is invalid for '--refine-gradients", status: 64, absent: [out, plots])
        try PDFEmuExecutable.expectOneLineError(base + ["--refine", "fk:" + dir.path("missing.h5")], containing: "missing.h5", absent: [out, plots])
        try Data().write(to: URL(fileURLWithPath: dir.path("state")))
        try PDFEmuExecutable.expectOneLineError(base + ["--refine", "emulator:" + emulator, "--refine-state", dir.path("state")],
                                                containing: "--refine-state: \(dir.path("state")) exists and is not a directory", absent: [out, plots])
    }

    /// Profile plots with a refine result carry the exact ends and minimum as their own legend entries;
    /// without one they do not; compare's plots of a refined file draw the emulator's ends and the exact ones apart.
    func testProfilePlotsMarkTheExactAnswers() throws {
        let truth = BumpedQuadratic()
        var guide = truth
        guide.beta = 0.6; guide.centre = [0.9, -0.6, 2.3]; guide.width = 0.5
        let s = try ScanRunner.run(model: guide, options: ScanOptions(tolerances: [1, 4]))
        let r = try Refiner(guide: guide, scan: s, oracle: ModelOracle(truth, label: "truth"),
                            options: RefineOptions(budget: 3000, maxIterations: 60)).run()
        XCTAssertEqual(r.certifiedCount, r.answers.count)
        let plain = try ScanPlots.svgs(s)
        let marked = try ScanPlots.svgs(s, refine: r)
        XCTAssertEqual(plain.count, marked.count)
        for ((file, before), (_, after)) in zip(plain, marked) where file.hasPrefix("profile_") {
            XCTAssertFalse(try svgTexts(before).contains(ScanPlots.exactEndsLabel), file)
            let texts = try svgTexts(after)
            XCTAssertTrue(texts.contains(ScanPlots.exactEndsLabel), file)
            XCTAssertTrue(texts.contains(ScanPlots.exactMinimumLabel), file)
        }
        // Each end's marker sits at its exact value and true Δχ².
        let figs = try ScanPlots.figures(s, refine: r)
        let fig = try XCTUnwrap(figs.first { $0.file == "profile_a.svg" }?.figure)
        let ends = try XCTUnwrap(fig.series.first { $0.label == ScanPlots.exactEndsLabel })
        let expected = r.answers.filter { $0.parameter == "a" }.map { PlotPoint($0.exactValue!, $0.tolerance + $0.error) }
        XCTAssertEqual(ends.points, expected)
        // compare --plot of a refined file (read back from HDF5).
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try r.applied(to: s).write(to: dir.path("refined.h5")) { try r.write(into: $0) }
        let back = try XCTUnwrap(try RefineResult.read(dir.path("refined.h5")))
        XCTAssertEqual(back.answers, r.answers)
        try s.write(to: dir.path("plain.h5"))
        XCTAssertNil(try RefineResult.read(dir.path("plain.h5")), "a scan without /refine")
        let exactScan = try ScanRunner.run(model: truth, options: ScanOptions(tolerances: [1, 4]))
        let cmp = try ComparisonPlots.figures(exact: exactScan, other: try ScanResult.read(dir.path("refined.h5")), otherRefine: back)
        let cfig = try XCTUnwrap(cmp.first { $0.file == "compare_profile_a.svg" }?.figure)
        XCTAssertEqual(cfig.series.first { $0.label == ScanPlots.exactEndsLabel }?.points, expected)
        let emulatorEnds = try XCTUnwrap(cfig.series.first { $0.label == "other emulator interval ends" })
        XCTAssertEqual(emulatorEnds.points, r.answers.filter { $0.parameter == "a" }.map { PlotPoint($0.emulatorValue!, $0.tolerance) })
    }
}
