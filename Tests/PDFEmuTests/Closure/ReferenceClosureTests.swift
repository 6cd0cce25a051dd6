import Foundation
import XCTest
@testable import PDFEmuNetwork
@testable import PDFEmuAnalysis
@testable import PDFEmuReport
import PDFEmuTestSupport

/// Closure of the bundled HERA emulator against the exact χ² (MINUIT on the real function). Targets:
/// χ²_min within 0.1, best fit within 0.1 Hesse σ, every interval end inside the training domain within
/// 5% of the exact half-width. Prints the full table (FAIL where a target is missed).
///
/// The bundled emulator does not meet every target yet (README, "Closure"): the ends and pulls it misses
/// are listed with their measured errors in `closure_known_gaps.json`. This test fails if a target that is
/// met today is missed, if a known gap grows (an end the profile never reaches is recorded as 1000) by more than 5 points of the half-width (or 0.05 σ), or if
/// χ²_min misses its target; when a gap closes, remove it from the file.
final class ReferenceClosureTests: XCTestCase {
    struct KnownGaps: Decodable {
        var ends: [String: Double]
        var pulls: [String: Double]
    }

    static func key(_ r: ReferenceComparison.Row) -> String { "\(r.parameter) \(Int(r.tolerance)) \(r.side)" }

    func testBundledEmulatorAgainstMINUITReference() throws {
        let reference = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/datasets/hera14_reference.json").path
        guard FileManager.default.fileExists(atPath: reference) else {
            throw XCTSkip("\(reference) not present (the team's shared data sits beside the project)")
        }
        let ref = try ReferenceData.read(reference)
        let emu = try Emulator.load(packageRoot.appendingPathComponent("Datasets/hera14_emulator.h5").path)
        let result = try ScanRunner.run(model: emu, options: ReferenceComparison.scanOptions(ref))
        let cmp = try ReferenceComparison(model: emu, result: result, reference: ref)
        print(cmp.text())
        let gapsURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("closure_known_gaps.json")
        let gaps = try JSONDecoder().decode(KnownGaps.self, from: Data(contentsOf: gapsURL))

        XCTAssertEqual(cmp.chi2MinEmulator, cmp.chi2MinReference, accuracy: ReferenceComparison.chi2Tolerance)
        for p in cmp.pulls where abs(p.pull) > ReferenceComparison.pullTolerance {
            guard let known = gaps.pulls[p.parameter] else {
                XCTFail("best fit of \(p.parameter): pull \(p.pull) σ, target ≤ 0.1 (not a known gap)"); continue
            }
            XCTAssertLessThanOrEqual(abs(p.pull), known + 0.05, "best fit of \(p.parameter) got worse than its known gap")
        }
        for r in cmp.rows where r.pass == false {
            let what = "\(Self.key(r)): exact \(r.reference), emulator \(r.emulator.map { String($0) } ?? "open"), error \(r.relativeError.map { String(format: "%.1f%%", 100 * $0) } ?? "open") of the half-width"
            guard let known = gaps.ends[Self.key(r)] else { XCTFail("\(what) — target 5%, not a known gap"); continue }
            XCTAssertLessThanOrEqual(r.relativeError ?? 1000, known + 0.05, "\(what) — got worse than its known gap \(known)")
        }
        XCTAssertGreaterThan(cmp.rows.filter { $0.pass != nil }.count, 20, "most interval ends should lie inside the training domain")
    }
}
