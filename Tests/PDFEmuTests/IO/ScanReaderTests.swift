import Foundation
import XCTest
@testable import PDFEmuCore
@testable import PDFEmuIO
@testable import PDFEmuAnalysis
@testable import PDFEmuReport
import PDFEmuTestSupport

/// `ScanReader` on every good fixture: values must be exactly those make_fixtures.py wrote.
final class ScanReaderTests: XCTestCase {
    override func tearDown() {
        XCTAssertEqual(hdf5OpenObjectCount(), 0, "HDF5 objects left open")
    }

    /// Checks that `scan` holds fixture rows `rows` (in order) with or without per-experiment χ².
    func assertRows(_ scan: ScanData, _ rows: [Int], perExperiment: Bool = true, line: UInt = #line) {
        XCTAssertEqual(scan.count, rows.count, line: line)
        XCTAssertEqual(scan.parameterCount, 3, line: line)
        XCTAssertEqual(scan.parameters.count, rows.count * 3, line: line)
        for (k, i) in rows.enumerated() {
            XCTAssertEqual(scan.point(k), (0..<3).map { Fixture.parameter(i, $0) }, "row \(i)", line: line)
            XCTAssertEqual(scan.chi2[k], Fixture.chi2(i), "row \(i)", line: line)
            if perExperiment {
                XCTAssertEqual(Array(scan.chi2PerExperiment[(k * 2)..<(k * 2 + 2)]),
                               [Fixture.chi2PerExperiment(i, 0), Fixture.chi2PerExperiment(i, 1)], "row \(i)", line: line)
            }
        }
        if perExperiment {
            XCTAssertEqual(scan.experimentNames, Fixture.experimentNames, line: line)
            XCTAssertEqual(scan.chi2PerExperiment.count, rows.count * 2, line: line)
        } else {
            XCTAssertEqual(scan.experimentCount, 0, line: line)
            XCTAssertEqual(scan.chi2PerExperiment, [], line: line)
        }
    }

    func testGoodFile() throws {
        let path = Fixture.path("good.h5")
        let scan = try ScanReader.read([path])
        assertRows(scan, Array(0..<20))
        XCTAssertEqual(scan.parameterNames, Fixture.parameterNames)
        XCTAssertEqual(scan.ndataPerExperiment, Fixture.ndata)
        XCTAssertEqual(scan.droppedRows, 0)
        XCTAssertEqual(scan.bestIndex, 7)
        XCTAssertEqual(scan.sources.count, 1)
        let source = scan.sources[0]
        XCTAssertEqual(source.path, path)
        XCTAssertEqual(source.points, 20)
        XCTAssertEqual(source.attributes["description"], "pdfemu test fixture good.h5")
        XCTAssertEqual(source.attributes["generator"], "Tests/PDFEmuTests/Fixtures/make_fixtures.py")
        XCTAssertEqual(source.attributes["n_points"], "20")
        XCTAssertEqual(source.attributes["chi2_offset"], "100")
        XCTAssertEqual(source.attributes["fixed_note"], "fixed-length attribute")
    }

    func testFloat32File() throws {
        let scan = try ScanReader.read([Fixture.path("good_f32.h5")])
        assertRows(scan, Array(0..<20))  // every formula value is exact in float32
        XCTAssertEqual(scan.parameterNames, Fixture.parameterNames)
    }

    func testTransposedLayout() throws {
        let path = Fixture.path("transposed.h5")
        let auto = try ScanReader.read([path])
        assertRows(auto, Array(0..<20))
        XCTAssertEqual(auto.parameterNames, Fixture.parameterNames)
        let explicit = try ScanReader.read([path], options: ScanReadOptions(layout: .transposed))
        assertRows(explicit, Array(0..<20))
        // Forcing rows on a [P, N] matrix: 3 "points" against 20 χ² values.
        XCTAssertThrowsError(try ScanReader.read([path], options: ScanReadOptions(layout: .rows))) { error in
            XCTAssertEqual(userMessage(error), "\(path): /parameters has 3 points (rows) but /chi2 has 20")
        }
        // Forcing the transposed reading on a [N, P] file fails the same way.
        let good = Fixture.path("good.h5")
        XCTAssertThrowsError(try ScanReader.read([good], options: ScanReadOptions(layout: .transposed))) { error in
            XCTAssertEqual(userMessage(error), "\(good): /parameters has 3 points (columns) but /chi2 has 20")
        }
    }

    func testOtherDatasetNames() throws {
        let path = Fixture.path("othernames.h5")
        let scan = try ScanReader.read([path])  // found among the usual alternatives
        assertRows(scan, Array(0..<20), perExperiment: false)
        XCTAssertEqual(scan.parameterNames, ["p0", "p1", "p2"])
        XCTAssertEqual(scan.ndataPerExperiment, [])
        let named = try ScanReader.read([path], options: ScanReadOptions(parameters: "theta", chi2: "/chisq"))
        assertRows(named, Array(0..<20), perExperiment: false)
        // An explicitly named dataset must exist.
        XCTAssertThrowsError(try ScanReader.read([path], options: ScanReadOptions(chi2: "chi2"))) { error in
            XCTAssertEqual(userMessage(error), "\(path): /chi2: no such dataset (chi2)")
        }
        XCTAssertThrowsError(try ScanReader.read([path], options: ScanReadOptions(parameterNames: "/labels"))) { error in
            XCTAssertEqual(userMessage(error), "\(path): /labels: no such dataset (parameter names)")
        }
    }

    func testPerExperimentCanBeIgnored() throws {
        let scan = try ScanReader.read([Fixture.path("good.h5")], options: ScanReadOptions(chi2PerExperiment: ""))
        assertRows(scan, Array(0..<20), perExperiment: false)
    }

    func testNonFiniteRowsAreDroppedAndCounted() throws {
        // Row 2 has a NaN parameter, row 5 an infinite χ², row 7 a -inf per-experiment χ².
        let scan = try ScanReader.read([Fixture.path("nonfinite.h5")])
        assertRows(scan, [0, 1, 3, 4, 6, 8, 9])
        XCTAssertEqual(scan.droppedRows, 3)
        XCTAssertEqual(scan.sources[0].points, 7)
        XCTAssertEqual(scan.ndataPerExperiment, [], "nonfinite.h5 has no /ndata_per_experiment")
    }

    func testSeveralFilesConcatenate() throws {
        let a = Fixture.path("good.h5"), b = Fixture.path("good_b.h5")
        let scan = try ScanReader.read([a, b])
        assertRows(scan, Array(0..<30))
        XCTAssertEqual(scan.sources.map(\.path), [a, b])
        XCTAssertEqual(scan.sources.map(\.points), [20, 10])
        XCTAssertEqual(scan.droppedRows, 0)
        // Dropped rows add up across files; float32 and float64 files mix.
        let mixed = try ScanReader.read([Fixture.path("good_f32.h5"), Fixture.path("nonfinite.h5"), b])
        assertRows(mixed, Array(0..<20) + [0, 1, 3, 4, 6, 8, 9] + Array(20..<30))
        XCTAssertEqual(mixed.droppedRows, 3)
        XCTAssertEqual(mixed.sources.map(\.points), [20, 7, 10])
    }

    func testSummaryOfGoodFile() throws {
        let summary = ScanSummary(try ScanReader.read([Fixture.path("good.h5")]))
        XCTAssertEqual(summary.points, 20)
        XCTAssertEqual(summary.parameters, 3)
        XCTAssertEqual(summary.experiments, 2)
        XCTAssertEqual(summary.bestIndex, 7)
        XCTAssertEqual(summary.chi2Min, 100)
        XCTAssertEqual(summary.chi2Max, Fixture.chi2(19))
        // Δχ² = 0.25 (i-7)², i = 0..<20: |i-7| ≤ 1 → [0,1); 2…6 → [1,10); 7…12 → [10,100).
        XCTAssertEqual(summary.deltaChi2Bins.map(\.count), [3, 10, 7, 0])
        XCTAssertEqual(summary.deltaChi2Bins.map(\.range), DeltaChi2Bins.labels)
        XCTAssertEqual(summary.parameterStats.map(\.name), Fixture.parameterNames)
        XCTAssertEqual(summary.parameterStats[1].min, Fixture.parameter(0, 1))
        XCTAssertEqual(summary.parameterStats[1].max, Fixture.parameter(19, 1))
        XCTAssertEqual(summary.parameterStats[1].best, Fixture.parameter(7, 1))
        XCTAssertEqual(summary.parameterStats[0].mean, Fixture.parameter(0, 0) + 9.5 * 0.375, accuracy: 1e-12)
        XCTAssertEqual(summary.experimentStats.map(\.chi2AtBest),
                       [Fixture.chi2PerExperiment(7, 0), Fixture.chi2PerExperiment(7, 1)])
        XCTAssertEqual(summary.experimentStats.map(\.ndata), [120, 35])
        let text = summary.text()
        XCTAssertTrue(text.contains("N = 20 points, P = 3 parameters, E = 2 experiments; no rows dropped"), text)
    }
}
