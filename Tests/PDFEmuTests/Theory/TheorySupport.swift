import Foundation
import XCTest
@testable import PDFEmuIO
@testable import PDFEmuTheory
import PDFEmuTestSupport

/// The bundled theory file and the shared reference values.
enum Theory {
    /// Datasets/hera_fk_nlo.h5.
    static let path = packageRoot.appendingPathComponent("Datasets/hera_fk_nlo.h5").path
    /// ../shared/theory/hera_fk_reference_values.h5 (outside the repository; tests skip without it).
    static let referencePath = packageRoot.deletingLastPathComponent()
        .appendingPathComponent("shared/theory/hera_fk_reference_values.h5").path
    /// ../shared/datasets/hera14_reference.json (MINUIT's answers for the 14-parameter case).
    static let minuitPath = packageRoot.deletingLastPathComponent()
        .appendingPathComponent("shared/datasets/hera14_reference.json").path

    /// The file, loaded once.
    static let file: FKTheoryFile = { try! FKTheoryFile.read(path) }()
    /// The default (14-parameter) χ², built once.
    static let chi2: FKChiSquare = { try! FKChiSquare(file: file) }()
    /// All 16 parameters free.
    static let chi2All16: FKChiSquare = {
        try! FKChiSquare(file: file, options: TheoryOptions(free: HERAParametrisation.parameterNames))
    }()

    /// Skips unless `path` exists.
    static func require(_ path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("\(path) is not present (it lives in the team's shared/ directory beside the repository)")
        }
    }

    /// The lowest-χ² rows of the bundled scan: (θ [P], χ², per-experiment [E]).
    static func bundledRows(_ count: Int) throws -> (names: [String], theta: [[Double]], chi2: [Double], perExperiment: [[Double]]) {
        let f = try HDF5File(open: bundledScanPath)
        let names = try f.readStrings("/parameter_names")
        let p: (shape: [Int], values: [Double]) = try f.read("/parameters")
        let c: (shape: [Int], values: [Double]) = try f.read("/chi2")
        let e: (shape: [Int], values: [Double]) = try f.read("/chi2_per_experiment")
        let pn = p.shape[1], en = e.shape[1]
        let rows = Array(0..<min(count, c.values.count))
        return (names, rows.map { Array(p.values[($0 * pn)..<(($0 + 1) * pn)]) }, rows.map { c.values[$0] },
                rows.map { Array(e.values[($0 * en)..<(($0 + 1) * en)]) })
    }
}
