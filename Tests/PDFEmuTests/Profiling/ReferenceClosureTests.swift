import XCTest
@testable import PDFEmu

/// Closure of the bundled HERA emulator against the exact χ² (MINUIT on the real function):
/// χ²_min within 0.1, best fit within 0.1 Hesse σ, every interval end inside the training domain
/// within 5% of the exact half-width. Prints the table.
final class ReferenceClosureTests: XCTestCase {
    func testBundledEmulatorMatchesMINUITReference() throws {
        let root = packageRoot
        let reference = root.deletingLastPathComponent().appendingPathComponent("shared/datasets/hera14_reference.json").path
        guard FileManager.default.fileExists(atPath: reference) else {
            throw XCTSkip("\(reference) not present (the team's shared data sits beside the project)")
        }
        let ref = try ReferenceData.load(reference)
        let emu = try Emulator.load(root.appendingPathComponent("Datasets/hera14_emulator.h5").path)
        let result = try ScanRunner.run(model: emu, options: ReferenceComparison.scanOptions(ref))
        let cmp = try ReferenceComparison(model: emu, result: result, reference: ref)
        print(cmp.text())
        XCTAssertEqual(cmp.chi2MinEmulator, cmp.chi2MinReference, accuracy: ReferenceComparison.chi2Tolerance)
        for p in cmp.pulls { XCTAssertLessThanOrEqual(abs(p.pull), ReferenceComparison.pullTolerance, "best fit of \(p.parameter)") }
        for r in cmp.rows where r.pass == false {
            XCTFail("\(r.parameter) Δχ²=\(r.tolerance) \(r.side): exact \(r.reference), emulator \(r.emulator.map { String($0) } ?? "open"), error \(r.relativeError.map { String(format: "%.1f%%", 100 * $0) } ?? "-") of the half-width")
        }
        XCTAssertGreaterThan(cmp.rows.filter { $0.pass != nil }.count, 20, "most interval ends should lie inside the training domain")
    }
}
