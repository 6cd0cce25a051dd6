import Foundation
import XCTest
@testable import PDFEmuCore
@testable import PDFEmuAnalysis
import PDFEmuTestSupport

/// Runs the built `pdfemu inspect` as a user would.
final class InspectCommandTests: XCTestCase {
    func testEveryBadInputFailsWithOneErrorLine() throws {
        for bad in ScanReaderErrorTests.badInputs {
            let run = try PDFEmuExecutable.run(["inspect"] + bad.files)
            let label = bad.files.map { ($0 as NSString).lastPathComponent }.joined(separator: " ")
            XCTAssertNotEqual(run.status, 0, label)
            XCTAssertEqual(run.stdout, "", "nothing on stdout for \(label)")
            XCTAssertEqual(run.stderrLines.count, 1, "one stderr line for \(label): \(run.stderr)")
            XCTAssertTrue(run.stderr.hasSuffix("\n"), label)
            let line = run.stderrLines.first ?? ""
            XCTAssertTrue(line.hasPrefix("error: "), line)
            let expected = "error: " + bad.message.replacingOccurrences(of: "$F", with: bad.files[0])
            XCTAssertTrue(line.hasPrefix(expected), "got: \(line)\nexpected: \(expected)")
            // The file at fault is named (the last one for a names mismatch).
            XCTAssertTrue(line.contains(bad.files.last!), line)
        }
    }

    func testDatasetOptionsNameTheDataset() throws {
        let path = Fixture.path("good.h5")
        let run = try PDFEmuExecutable.run(["inspect", path, "--chi2-dataset", "/nope"])
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.stdout, "")
        XCTAssertEqual(run.stderrLines, ["error: \(path): /nope: no such dataset (chi2)"])

        let ok = try PDFEmuExecutable.run(["inspect", Fixture.path("othernames.h5"), "--parameters-dataset", "theta",
                                           "--chi2-dataset", "chisq"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(ok.stdout.contains("N = 20 points, P = 3 parameters, E = 0 experiments"), ok.stdout)
    }

    func testBundledScanText() throws {
        let run = try PDFEmuExecutable.run(["inspect", "Datasets/hera14_train.h5"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stderr, "")
        XCTAssertTrue(run.stdout.contains("N = 50000 points, P = 14 parameters, E = 7 experiments"), run.stdout)
        XCTAssertTrue(run.stdout.contains("HERA_CC_318GEV_EM"), run.stdout)
    }

    func testBundledScanJSON() throws {
        let run = try PDFEmuExecutable.run(["inspect", "--json", "Datasets/hera14_train.h5"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let summary = try JSONDecoder().decode(ScanSummary.self, from: Data(run.stdout.utf8))
        XCTAssertEqual(summary.points, 50000)
        XCTAssertEqual(summary.parameters, 14)
        XCTAssertEqual(summary.experiments, 7)
        XCTAssertEqual(summary.droppedRows, 0)
        XCTAssertEqual(summary.files, ["Datasets/hera14_train.h5"])
        XCTAssertEqual(summary.parameterStats.map(\.name),
                       ["Bg", "Cg", "Agp", "Bgp", "Buv", "Cuv", "Euv", "Bdv", "Cdv", "CUbar", "DUbar", "ADbar", "BDbar", "CDbar"])
        XCTAssertEqual(summary.experimentStats.compactMap(\.ndata).reduce(0, +), 1145)
        XCTAssertEqual(summary.deltaChi2Bins.map(\.count).reduce(0, +), 50000)
        XCTAssertEqual(summary.attributes["role"], "train")
    }
}
