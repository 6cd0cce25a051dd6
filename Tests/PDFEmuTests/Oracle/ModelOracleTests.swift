import Foundation
import XCTest
@testable import PDFEmuCore
@testable import PDFEmuIO
@testable import PDFEmuNetwork
@testable import PDFEmuLearn
@testable import PDFEmuReport
import PDFEmuTestSupport

/// `ModelOracle` (any ScalarModel, in-process), `OracleResult` bookkeeping and `OracleSpec` parsing.
final class ModelOracleTests: XCTestCase {
    func testModelOracleMatchesColumnsByNameAndReturnsPerExperimentValues() throws {
        let model = QuadraticModel(p: 3)
        let oracle = ModelOracle(model, label: "quadratic")
        let thetas = [[0.1, 0.2, 0.3], [-0.5, 1.0, 0.25], [2.0, -1.0, 0.0]]
        // Columns in another order, plus an extra column the model ignores.
        let points = try OraclePoints(parameterNames: ["p2", "extra", "p0", "p1"],
                                      values: thetas.flatMap { [$0[2], 99, $0[0], $0[1]] })
        let r = try oracle.evaluate(points)
        XCTAssertEqual(r.experimentNames, ["expA", "expB"])
        for (i, t) in thetas.enumerated() {
            let pred = model.prediction(at: t)
            XCTAssertEqual(r.chi2[i], pred.value)
            XCTAssertEqual(Array(r.chi2PerExperiment[(2 * i)..<(2 * i + 2)]), pred.perExperiment)
        }
        let missing = try OraclePoints(parameterNames: ["p0", "p1"], values: [0, 0])
        XCTAssertThrowsError(try oracle.evaluate(missing)) { e in
            XCTAssertEqual((e as! OracleError).kind, .parameters)
            XCTAssertEqual("\(e)", "oracle quadratic: /parameter_names lacks p2 (needed: p0,p1,p2)")
        }
    }

    func testEmulatorOracleEqualsItsBatchPredictionAndSpecLoadsIt() throws {
        let path = packageRoot.appendingPathComponent("Datasets/hera14_emulator.h5").path
        let spec = try OracleSpec(parsing: "emulator:" + path)
        XCTAssertEqual(spec, .inProcess(scheme: "emulator", argument: path))
        let oracle = try spec.makeOracle()
        let emulator = try Emulator.load(path)
        XCTAssertEqual(oracle.parameterNames, emulator.parameterNames)
        let theta = emulator.bestTrainingPoints.prefix(4).flatMap { $0 }
        let r = try oracle.evaluate(try OraclePoints(parameterNames: emulator.parameterNames, values: theta))
        let batch = emulator.predictBatch(theta)
        XCTAssertEqual(r.chi2, batch.value)
        XCTAssertEqual(r.chi2PerExperiment, batch.perExperiment)
        XCTAssertEqual(r.experimentNames, emulator.experimentNames)
    }

    func testNonFiniteValuesMakeWholeRowsUndefined() throws {
        let r = try OracleResult(chi2: [1, .nan, 3, 4], experimentNames: ["x", "y"],
                                 chi2PerExperiment: [0.5, 0.5, 1, 1, .infinity, 2, 2, 2], reasons: [nil, nil, nil, "told so"])
        XCTAssertEqual(r.definedRows, [0])
        XCTAssertEqual(r.undefinedReasons[1], "χ² is nan")
        XCTAssertEqual(r.undefinedReasons[2], "χ² of x is inf")
        XCTAssertEqual(r.undefinedReasons[3], "told so")
        XCTAssertTrue(r.chi2[2].isNaN && r.chi2PerExperiment[5].isNaN && r.chi2[3].isNaN)
        var a = r
        XCTAssertThrowsError(try a.append(try OracleResult(chi2: [1], experimentNames: ["x", "z"], chi2PerExperiment: [1, 1]))) { e in
            XCTAssertEqual((e as! OracleError).kind, .wrongNames)
        }
        try a.append(try OracleResult(chi2: [7], experimentNames: ["x", "y"], chi2PerExperiment: [3, 4]))
        XCTAssertEqual(a.count, 5)
        XCTAssertEqual(a.rows(4..<5).chi2, [7])
        XCTAssertThrowsError(try OracleResult(chi2: [1, 2], experimentNames: ["x"], chi2PerExperiment: [1]))
        XCTAssertThrowsError(try OraclePoints(parameterNames: ["a", "b"], values: [1, .nan])) { e in
            XCTAssertEqual("\(e)", "row 0: b is nan")
        }
    }

    func testSpecParsing() throws {
        XCTAssertEqual(try OracleSpec(parsing: "./fit --fast {input} {output}"), .command("./fit --fast {input} {output}"))
        XCTAssertEqual(try OracleSpec(parsing: "emulator:E.h5").text, "emulator:E.h5")
        for (text, fragment) in [("nope:theory.h5", "unknown oracle scheme 'nope'"), ("emulator:", "give a file"),
                                 ("./fit {input}", "{output}")] {
            XCTAssertThrowsError(try OracleSpec(parsing: text)) { e in
                XCTAssertEqual((e as! OracleError).kind, .spec)
                XCTAssertTrue("\(e)".contains(fragment), "\(e)")
            }
        }
        XCTAssertThrowsError(try OracleSpec(parsing: "emulator:/nonexistent.h5").makeOracle()) { e in
            XCTAssertEqual(userMessage(e), "/nonexistent.h5: no such file")
        }
    }
}
