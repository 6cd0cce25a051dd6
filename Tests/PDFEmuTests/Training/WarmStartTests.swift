import XCTest
@testable import PDFEmuNetwork

/// A refit warm-starts from the previous emulator whatever network the config describes — the default
/// two-member sum of squares among them (learn refits every round this way).
final class WarmStartTests: XCTestCase {
    func testTheDefaultStructureWarmStartsAndAChangedOneIsNamed() throws {
        let dir = TempDir()
        let scan = dir.file("scan.h5")
        try SyntheticScan.write(scan, n: 600)
        let text = SyntheticScan.config(scan: scan, output: dir.file("first.h5"), epochs: 5, members: 2, hidden: "[16, 16]",
                                        loss: #"{"output_structure": "sum_of_squares", "sos_components": 8}"#)
        let cfg = try FitConfig.read(SyntheticScan.writeConfig(dir, text))
        let first = try FitRunner.run(config: cfg, options: FitOptions(output: dir.file("first.h5")))
        XCTAssertFalse(first.warmStarted)
        let previous = try Emulator.load(dir.file("first.h5"))
        var lines: [String] = []
        let second = try FitRunner.run(config: cfg, options: FitOptions(output: dir.file("second.h5"), warmStart: previous),
                                       log: { lines.append($0) })
        XCTAssertTrue(second.warmStarted, lines.joined(separator: "\n"))
        XCTAssertFalse(lines.contains { $0.contains("warm start skipped") }, lines.joined(separator: "\n"))
        // Another number of components is another network: skipped, with both structures named.
        let other = SyntheticScan.config(scan: scan, output: dir.file("third.h5"), epochs: 5, members: 2, hidden: "[16, 16]",
                                         loss: #"{"output_structure": "sum_of_squares", "sos_components": 4}"#)
        let cfg2 = try FitConfig.read(SyntheticScan.writeConfig(dir, other, name: "fit2.json"))
        lines = []
        let third = try FitRunner.run(config: cfg2, options: FitOptions(output: dir.file("third.h5"), warmStart: previous),
                                      log: { lines.append($0) })
        XCTAssertFalse(third.warmStarted)
        let skipped = lines.first { $0.contains("warm start skipped") } ?? ""
        XCTAssertTrue(skipped.contains("sum_of_squares (8 components)") && skipped.contains("sum_of_squares (4 components)"), skipped)
    }
}
