import XCTest
@testable import PDFEmuCore
@testable import PDFEmuIO
@testable import PDFEmuNetwork
import PDFEmuTestSupport

final class FitConfigTests: XCTestCase {
    func load(_ json: String) throws -> FitConfig {
        let dir = TempDir()
        return try FitConfig.read(SyntheticScan.writeConfig(dir, json))
    }

    func expectError(_ json: String, naming key: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try load(json), file: file, line: line) { e in
            let m = userMessage(e)
            XCTAssertTrue(m.contains(key), "\(m) should name \(key)", file: file, line: line)
            XCTAssertFalse(m.contains("\n"), file: file, line: line)
        }
    }

    func testBundledConfigLoads() throws {
        let c = try FitConfig.read(packageRoot.appendingPathComponent("Configs/hera14.json").path)
        XCTAssertEqual(c.files, ["Datasets/hera14_train.h5"])
        XCTAssertEqual(c.hidden, [256, 256, 256])
    }

    /// The defaults are the measured choice (docs/BENCHMARKS.md, "Accuracy"); a scalar that is not a χ²
    /// falls back to `direct`; null keeps every point; the weights follow (1 + Δχ²/scale)^−power.
    func testLossDefaultsAndWeights() throws {
        let d = #"{"data": {"files": ["x.h5"]}"#
        let c = try load(d + "}")
        XCTAssertEqual(c.outputStructure, .sumOfSquares)
        XCTAssertEqual(c.sosComponents, 32)
        XCTAssertEqual(c.targetTransform, .linear)
        XCTAssertEqual(c.weighting, .inverse)
        XCTAssertEqual(c.weightScale, 2)
        XCTAssertEqual(c.weightPower, 2)
        XCTAssertEqual(c.maxDeltaChi2, 1000)
        XCTAssertNil(try load(d + #", "loss": {"max_delta_chi2": null}}"#).maxDeltaChi2)
        XCTAssertEqual(try load(d + #", "loss": {"max_delta_chi2": 50}}"#).maxDeltaChi2, 50)
        let scalar = try load(#"{"data": {"files": ["x.h5"], "target_is_chi2": false, "target_dataset": "/xsec"}}"#)
        XCTAssertEqual(scalar.outputStructure, .direct)
        expectError(#"{"data": {"files": ["x.h5"], "target_is_chi2": false, "target_dataset": "/xsec"}, "loss": {"output_structure": "sum_of_squares"}}"#,
                    naming: "loss.output_structure")
        let bundled = try FitConfig.read(packageRoot.appendingPathComponent("Configs/hera14.json").path)
        XCTAssertEqual(bundled.outputStructure, c.outputStructure)
        XCTAssertEqual(bundled.weightPower, c.weightPower)
        XCTAssertEqual(bundled.maxDeltaChi2, c.maxDeltaChi2)
        XCTAssertEqual(bundled.members, 2)

        let dir = TempDir()
        try SyntheticScan.write(dir.file("scan.h5"), n: 300)
        let scan = try ScanReader.read([dir.file("scan.h5")])
        for (scale, power) in [(2.0, 2.0), (10.0, 1.0), (5.0, 0.5)] {
            var cfg = c
            cfg.files = [dir.file("scan.h5")]; cfg.weightScale = scale; cfg.weightPower = power; cfg.maxDeltaChi2 = nil
            let data = try TrainingData<Double>(scan: scan, config: cfg)
            for (r, i) in data.trainRows.enumerated().prefix(50) {
                let delta = scan.chi2[i] - scan.chi2.min()!
                XCTAssertEqual(data.trainW[r], pow(1 + delta / scale, -power), accuracy: 1e-12 * max(1, data.trainW[r]))
            }
        }
    }

    func testBadConfigsNameTheKey() {
        let d = #"{"data": {"files": ["x.h5"]}"#
        expectError(d + #", "trainig": {}}"#, naming: "trainig")
        expectError(d + #", "training": {"learning_rate": -1}}"#, naming: "training.learning_rate")
        expectError(d + #", "training": {"learning_rate": "fast"}}"#, naming: "training.learning_rate")
        expectError(d + #", "training": {"batch_size": 1.5}}"#, naming: "training.batch_size")
        expectError(d + #", "training": {"epochs": true}}"#, naming: "training.epochs")
        expectError(d + #", "network": {"hidden": [64, 0]}}"#, naming: "network.hidden[1]")
        expectError(d + #", "network": {"activation": "relu6"}}"#, naming: "network.activation")
        expectError(d + #", "network": {"hidden": [64], "widht": 3}}"#, naming: "network.widht")
        expectError(d + #", "split": {"train": 0.8, "validation": 0.2, "test": 0.1}}"#, naming: "split")
        expectError(d + #", "loss": {"weighting": "inverse", "scale": 0}}"#, naming: "loss.scale")
        expectError(d + #", "loss": {"weight_power": 5}}"#, naming: "loss.weight_power")
        expectError(d + #", "loss": {"max_delta_chi2": 0}}"#, naming: "loss.max_delta_chi2")
        expectError(#"{"network": {}}"#, naming: "data")
        expectError(#"{"data": {"files": []}}"#, naming: "data.files")
        expectError(#"{"data": {"files": ["x.h5"]}"#, naming: "not valid JSON")
    }
}
