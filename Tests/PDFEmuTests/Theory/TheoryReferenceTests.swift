import Foundation
import XCTest
@testable import PDFEmuIO
@testable import PDFEmuTheory
import PDFEmuTestSupport

/// The exact χ² against independent float64 numpy/scipy values and against the bundled scan.
final class TheoryReferenceTests: XCTestCase {
    /// ../shared/theory/hera_fk_reference_values.h5: 1000 16-parameter points, both cuts, ≤ 1e-9 relative.
    func testReproducesReferenceValuesForBothCuts() throws {
        try Theory.require(Theory.referencePath)
        let f = try HDF5File(open: Theory.referencePath)
        XCTAssertEqual(try f.readStrings("/parameter_names"), HERAParametrisation.parameterNames)
        let p: (shape: [Int], values: [Double]) = try f.read("/parameters")
        XCTAssertEqual(p.shape, [1000, 16])
        for (group, cut) in [("q2min_3.49", 3.49), ("q2min_5", 5.0)] {
            let members = try f.members(of: "/" + group)
            XCTAssertTrue(members.contains("chi2") && members.contains("chi2_per_experiment"), "\(group): \(members)")
            let c: (shape: [Int], values: [Double]) = try f.read("/\(group)/chi2")
            let e: (shape: [Int], values: [Double]) = try f.read("/\(group)/chi2_per_experiment")
            let model = try FKChiSquare(file: Theory.file, options: TheoryOptions(free: HERAParametrisation.parameterNames, q2Min: cut))
            let ne = model.experimentNames.count
            XCTAssertEqual(e.shape, [1000, ne])
            var worst = 0.0, worstExp = 0.0, undefined = 0
            for i in 0..<1000 {
                let theta = Array(p.values[(i * 16)..<((i + 1) * 16)])
                guard case .success(let r) = model.chi2PerExperiment(at: theta) else { undefined += 1; continue }
                worst = max(worst, abs(r.total - c.values[i]) / abs(c.values[i]))
                for k in 0..<ne { worstExp = max(worstExp, abs(r.perExperiment[k] - e.values[i * ne + k]) / abs(e.values[i * ne + k])) }
            }
            print("reference \(group): ndata \(model.ndata), max relative error total \(worst), per experiment \(worstExp)")
            XCTAssertEqual(undefined, 0, group)
            XCTAssertLessThanOrEqual(worst, 1e-9, group)
            XCTAssertLessThanOrEqual(worstExp, 1e-9, group)
        }
        let five = try FKChiSquare(file: Theory.file, options: TheoryOptions(q2Min: 5))
        XCTAssertEqual(five.ndata, 1103)
    }

    /// The bundled 14-parameter scan's /chi2 and /chi2_per_experiment (Duv = 0, fs = 0.4 fixed).
    func testReproducesBundledScan() throws {
        let rows = try Theory.bundledRows(2000)
        let model = Theory.chi2
        XCTAssertEqual(rows.names, model.parameterNames)
        XCTAssertEqual(model.ndataPerExperiment, [377, 159, 70, 254, 204, 39, 42])
        var worst = 0.0, worstExp = 0.0
        for (i, theta) in rows.theta.enumerated() {
            let r = try model.chi2PerExperiment(at: theta).get()
            worst = max(worst, abs(r.total - rows.chi2[i]) / rows.chi2[i])
            for k in 0..<7 { worstExp = max(worstExp, abs(r.perExperiment[k] - rows.perExperiment[i][k]) / rows.perExperiment[i][k]) }
        }
        print("bundled scan (2000 rows): max relative error total \(worst), per experiment \(worstExp)")
        XCTAssertLessThanOrEqual(worst, 1e-9)
        XCTAssertLessThanOrEqual(worstExp, 1e-9)
    }
}
