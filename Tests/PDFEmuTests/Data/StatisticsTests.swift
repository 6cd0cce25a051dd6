import XCTest
@testable import PDFEmuCore
import PDFEmuTestSupport

final class StatisticsTests: XCTestCase {
    func testMeanStdQuantile() {
        let x: [Double] = [4, 1, 3, 2, 5]
        XCTAssertEqual(Stats.mean(x), 3)
        XCTAssertEqual(Stats.mean([]), 0)
        XCTAssertEqual(Stats.std(x), 2.0.squareRoot(), accuracy: 1e-15)  // population std
        XCTAssertEqual(Stats.std([7]), 0)
        XCTAssertEqual(Stats.quantile(x, 0), 1)
        XCTAssertEqual(Stats.quantile(x, 1), 5)
        XCTAssertEqual(Stats.quantile(x, 0.5), 3)
        XCTAssertEqual(Stats.quantile(x, 0.125), 1.5)  // linear interpolation between 1 and 2
        XCTAssertEqual(Stats.quantile([1, 2], 0.5), 1.5)
        XCTAssertTrue(Stats.quantile([], 0.5).isNaN)
    }

    func testDeltaChi2Bins() {
        XCTAssertEqual(DeltaChi2Bins.labels.count, DeltaChi2Bins.edges.count)
        let cases: [(Double, Int)] = [(-0.5, 0), (0, 0), (0.999, 0), (1, 1), (9.99, 1), (10, 2), (99.9, 2),
                                      (100, 3), (1e9, 3)]
        for (d, bin) in cases { XCTAssertEqual(DeltaChi2Bins.index(d), bin, "Δχ² = \(d)") }
        // Each edge opens its bin.
        for (k, edge) in DeltaChi2Bins.edges.enumerated() { XCTAssertEqual(DeltaChi2Bins.index(edge), k) }
    }
}
