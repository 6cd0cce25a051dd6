import XCTest
@testable import PDFEmuCore
@testable import PDFEmuReport
import PDFEmuTestSupport

final class ScanDataTests: XCTestCase {
    func testAccessors() {
        let scan = ScanData(parameterNames: ["a", "b"], parameters: [1, 2, 3, 4, 5, 6], chi2: [10, 8, 9],
                            experimentNames: ["e"], chi2PerExperiment: [1, 2, 3], ndataPerExperiment: [4])
        XCTAssertEqual(scan.count, 3)
        XCTAssertEqual(scan.parameterCount, 2)
        XCTAssertEqual(scan.experimentCount, 1)
        XCTAssertEqual(scan.point(1), [3, 4])
        XCTAssertEqual(scan.bestIndex, 1)
        XCTAssertEqual(scan.droppedRows, 0)
    }

    func testBestIndexTakesFirstOfTies() {
        let scan = ScanData(parameterNames: ["a"], parameters: [0, 1, 2], chi2: [5, 3, 3])
        XCTAssertEqual(scan.bestIndex, 1)
    }

    func testSummaryWithoutExperimentsOrNdata() {
        let scan = ScanData(parameterNames: ["x"], parameters: [0, 1, 2, 3], chi2: [4, 3.5, 50, 400])
        let s = ScanSummary(scan)
        XCTAssertEqual(s.deltaChi2Bins.map(\.count), [2, 0, 1, 1])  // Δχ² = 0.5, 0, 46.5, 396.5
        XCTAssertEqual(s.experimentStats.count, 0)
        XCTAssertEqual(s.chi2Median, 27)
        XCTAssertEqual(s.parameterStats[0].std, 1.25.squareRoot(), accuracy: 1e-15)
        XCTAssertFalse(s.text().contains("per-experiment"))
    }
}
