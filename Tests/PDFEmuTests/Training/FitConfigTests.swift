import XCTest
@testable import PDFEmu
import PDFEmuTestSupport

final class FitConfigTests: XCTestCase {
    func load(_ json: String) throws -> FitConfig {
        let dir = TempDir()
        return try FitConfig.load(SyntheticScan.writeConfig(dir, json))
    }

    func expectError(_ json: String, naming key: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try load(json), file: file, line: line) { e in
            let m = userMessage(e)
            XCTAssertTrue(m.contains(key), "\(m) should name \(key)", file: file, line: line)
            XCTAssertFalse(m.contains("\n"), file: file, line: line)
        }
    }

    func testBundledConfigLoads() throws {
        let c = try FitConfig.load(packageRoot.appendingPathComponent("Configs/hera14.json").path)
        XCTAssertEqual(c.files, ["Datasets/hera14_train.h5"])
        XCTAssertEqual(c.hidden, [256, 256, 256])
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
        expectError(#"{"network": {}}"#, naming: "data")
        expectError(#"{"data": {"files": []}}"#, naming: "data.files")
        expectError(#"{"data": {"files": ["x.h5"]}"#, naming: "not valid JSON")
    }
}
