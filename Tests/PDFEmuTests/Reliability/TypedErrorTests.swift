import Foundation
import XCTest
@testable import PDFEmuCore
@testable import PDFEmuIO
@testable import PDFEmuNetwork
@testable import PDFEmuAnalysis
@testable import PDFEmuLearn
@testable import PDFEmuReport
@testable import pdfemu
import PDFEmuTestSupport

/// Library errors are typed: each names what is at fault in its `subject`, and the one-line message is
/// composed from subject and reason in one place. One real bad input per module gives its subject.
final class TypedErrorTests: XCTestCase {
    /// The subject of the `PDFEmuError` that `body` throws (nil if it throws another error or none).
    func subject(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> PDFEmuError.Subject? {
        do { try body() } catch let e as PDFEmuError {
            XCTAssertFalse(e.message.contains("\n"), e.message, file: file, line: line)
            return e.subject
        } catch {
            XCTFail("not a PDFEmuError: \(userMessage(error))", file: file, line: line)
            return nil
        }
        XCTFail("no error thrown", file: file, line: line)
        return nil
    }

    func testTheLineIsComposedPerSubjectKind() {
        let cases: [(PDFEmuError, String)] = [
            (PDFEmuError(.setting(.bounds, item: "Bg"), "lower 1 must be below upper 0"), "bounds Bg: lower 1 must be below upper 0"),
            (PDFEmuError(.mcmcThin, "need at least 1, got 0"), "mcmc.thin: need at least 1, got 0"),
            (PDFEmuError(file: "scan.h5", "not a pdfemu scan output"), "scan.h5: not a pdfemu scan output"),
            (PDFEmuError(file: "", "no scan file given"), "no scan file given"),
            (PDFEmuError(file: "scan.h5", dataset: "/chi2", "is empty (no points)"), "scan.h5: /chi2: is empty (no points)"),
            (PDFEmuError(.key(file: "fit.json", key: "training.epochs"), "must be ≥ 1"), "fit.json: training.epochs: must be ≥ 1"),
            (PDFEmuError(.key(file: nil, key: "split.train"), "1 training points is too few"), "split.train: 1 training points is too few"),
            (PDFEmuError(.input("xsec.h5"), "parameter names differ"), "xsec.h5: parameter names differ"),
            (PDFEmuError(.expression("Buv*Bdv"), "product of two parameter terms is not linear"),
             "expression \"Buv*Bdv\": product of two parameter terms is not linear"),
            (PDFEmuError(.step("mcmc"), "no runs to combine"), "mcmc: no runs to combine"),
            (PDFEmuError(.chi2, "the Hessian at the minimum is not positive definite"), "the Hessian at the minimum is not positive definite"),
            (PDFEmuError(.usage, "give either --emulator or --theory"), "give either --emulator or --theory"),
        ]
        for (e, line) in cases {
            XCTAssertEqual(e.message, line)
            XCTAssertEqual(userMessage(e), line)
            XCTAssertEqual("\(e)", line)
        }
        // A reason with a line break still gives one line.
        XCTAssertEqual(PDFEmuError(file: "a.h5", "two\nlines").message, "a.h5: two lines")
        // Only a setting subject has a setting; the command line puts its flag in the setting's place.
        XCTAssertEqual(PDFEmuError(.bounds, "Bg", "x").setting, .bounds)
        XCTAssertEqual(PDFEmuError(.bounds, "Bg", "x").item, "Bg")
        XCTAssertNil(PDFEmuError(file: "a.h5", "x").setting)
        XCTAssertEqual(PDFEmuError(.bounds, "Bg", "x").line(naming: "--bound"), "--bound Bg: x")
        XCTAssertEqual(cliMessage(PDFEmuError(.designCount, "must be > 0, got 0")), "--n: must be > 0, got 0")
        XCTAssertEqual(cliMessage(PDFEmuError(file: "scan.h5", "x")), "scan.h5: x")
        XCTAssertEqual(cliMessage(PDFEmuError(flag: "--timeout", "must be > 0")), "--timeout: must be > 0")
        // `about` keeps the reason and moves the blame.
        XCTAssertEqual(PDFEmuError(.step("mcmc"), "r").about(.file("f.h5")).message, "f.h5: r")
    }

    // PDFEmuCore: a NaN point gives a Hessian with NaN entries; the error is about the χ² function.
    func testCoreNaNHessianIsAboutTheChi2() {
        let m = BananaModel()
        let free = [ParameterConstraint](repeating: .free, count: m.parameterNames.count)
        let theta = [Double](repeating: .nan, count: m.parameterNames.count)
        XCTAssertEqual(subject { _ = try HessianAnalysis.analyse(model: m, at: theta, constraints: free, tolerances: [1]) }, .chi2)
    }

    // PDFEmuIO: a dataset of the wrong shape, and a list with no names dataset, name the file and the dataset.
    func testIOWrongDatasetShapeNamesTheDataset() {
        let oneD = Fixture.path("params_1d.h5")
        XCTAssertEqual(subject { _ = try ScanReader.read([oneD]) }, .dataset(file: oneD, name: "/parameters"))
        let empty = Fixture.path("empty.h5")
        XCTAssertEqual(subject { _ = try ScanReader.read([empty]) }, .dataset(file: empty, name: "/chi2"))
        let names = Fixture.path("names_wrong_length.h5")
        XCTAssertEqual(subject { _ = try ScanReader.read([names]) }, .dataset(file: names, name: "/parameter_names"))
        XCTAssertEqual(subject { try NameRules.validate(["a", "a"], what: "parameter", source: .dataset(file: "f.h5", name: "/parameter_names")) },
                       .dataset(file: "f.h5", name: "/parameter_names"))
    }

    // PDFEmuNetwork: an unknown key in a fit config names the file and the full key.
    func testNetworkUnknownConfigKeyNamesTheKey() throws {
        let dir = try TemporaryDirectory()
        let cfg = dir.path("fit.json")
        try Data(#"{"data": {"files": ["\#(Fixture.path("good.h5"))"]}, "training": {"epochz": 3}}"#.utf8).write(to: URL(fileURLWithPath: cfg))
        XCTAssertEqual(subject { _ = try FitConfig.read(cfg) }, .key(file: cfg, key: "training.epochz"))
        XCTAssertEqual(subject { _ = try FitConfig.read(dir.path("absent.json")) }, .file(dir.path("absent.json")))
    }

    // PDFEmuTheory: starting points from a scan over other parameters name the scan file.
    func testTheoryScanOverOtherParametersNamesTheFile() throws {
        try XCTSkipUnless(FileManager.default.fileExists(atPath: Theory.path), "no \(Theory.path)")
        let scan = Fixture.path("good.h5")
        XCTAssertEqual(subject { _ = try Theory.chi2.startingPoints(fromScan: scan) }, .file(scan))
    }

    // PDFEmuAnalysis: a non-linear expression, a wrong design size and a scan without MCMC name their input.
    func testAnalysisBadInputsNameTheirSubject() {
        XCTAssertEqual(subject { _ = try LinearExpression(parsing: "Buv*Bdv", parameterNames: ["Buv", "Bdv"]) }, .expression("Buv*Bdv"))
        XCTAssertEqual(subject { _ = try DesignSampler.sample(model: QuadraticModel(p: 2), n: 0, seed: 1) }, .setting(.designCount, item: nil))
        XCTAssertEqual(subject { _ = try ScanRunner.run(model: QuadraticModel(p: 2), options: ScanOptions(bounds: ["p0": ValueRange(lower: 2, upper: 1)])) },
                       .setting(.bounds, item: "p0"))
        let notAScan = Fixture.path("good.h5")
        XCTAssertEqual(subject { _ = try ScanResult.read(notAScan) }, .file(notAScan))
    }

    // PDFEmuLearn: a proposal of no points names the setting; a points file that is no χ² output names the file.
    func testLearnBadInputsNameTheirSubject() throws {
        XCTAssertEqual(subject { try ProposalOptions(count: 0).validate() }, .setting(.proposalCount, item: nil))
        let dir = try TemporaryDirectory()
        XCTAssertEqual(subject { _ = try OracleScanFile.merge([], into: dir.path("merged.h5")) }, .step("merge"))
        let scan = Fixture.path("good.h5")
        XCTAssertEqual(subject { _ = try OracleScanFile.merge([scan], into: dir.path("merged.h5")) }, .file(scan))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path("merged.h5")))
    }

    // The CLI: a design of no points names the flag that sets its size, like propose's (was "--n must be > 0").
    func testCLIDesignCountNamesItsFlag() throws {
        let emulator = packageRoot.appendingPathComponent("Datasets/hera14_emulator.h5").path
        let dir = try TemporaryDirectory()
        let r = try PDFEmuExecutable.run(["sample", "--emulator", emulator, "--n", "0", "--output", dir.path("design.h5")])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderrLines, ["error: --n: must be > 0, got 0"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path("design.h5")))
    }

    // PDFEmuReport: a JSON file that is not a reference file, and a missing learning-curve table, name the file.
    func testReportBadInputsNameTheFile() throws {
        let dir = try TemporaryDirectory()
        let json = dir.path("ref.json")
        try Data(#"{"minimum": 1}"#.utf8).write(to: URL(fileURLWithPath: json))
        XCTAssertEqual(subject { _ = try ReferenceData.read(json) }, .file(json))
        XCTAssertEqual(subject { _ = try LearningCurvePlot.figure(curveTable: dir.path("curve.tsv")) }, .file(dir.path("curve.tsv")))
    }
}
