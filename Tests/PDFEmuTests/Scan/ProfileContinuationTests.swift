import Foundation
import XCTest
@testable import PDFEmuCore
@testable import PDFEmuIO
@testable import PDFEmuAnalysis
@testable import PDFEmuReport
import PDFEmuTestSupport

/// Profiles that do not stop in a higher valley, and a lower minimum found by a profile restarting the scan.
final class ProfileContinuationTests: XCTestCase {
    private func options(bounds: [String: ValueRange] = [:]) -> ScanOptions {
        ScanOptions(profileParameters: ["x"], tolerances: [1, 4], bounds: bounds,
                    ranges: ["x": ValueRange(lower: -3, upper: 6)], points: 37)
    }

    func testTwoSidedContinuationLeavesTheHigherValley() throws {
        let m = BranchValleyModel(floor: 3)
        let r = try ScanRunner.run(model: m, options: options())
        XCTAssertEqual(r.minimum.chi2, 100, accuracy: 1e-6)
        XCTAssertNil(r.notes)
        let px = r.profiles[0]
        // Every grid point on the lower envelope of the two valleys (the true profile).
        for (k, x) in px.values.enumerated() {
            XCTAssertEqual(px.deltaChi2[k], m.profile(x) - 100, accuracy: 1e-5, "x = \(x)")
        }
        // Δχ² = 4 is crossed in valley B at x = 5, not in valley A at x = 2 where the one-sided walk stops.
        let exact4 = bisect({ m.profile($0) - 104 }, 3, 6)
        XCTAssertEqual(exact4, 5, accuracy: 1e-3)
        XCTAssertEqual(try XCTUnwrap(px.intervals[1].upper), exact4, accuracy: 1e-3)
        XCTAssertEqual(try XCTUnwrap(px.intervals[0].upper), bisect({ m.profile($0) - 101 }, 0, 1.8), accuracy: 1e-3)
        XCTAssertEqual(try XCTUnwrap(px.intervals[1].lower), -2, accuracy: 1e-3)
        // One line for the stretch the second pass lowered, one for the jump of y between the valleys.
        XCTAssertTrue(px.warnings.contains { $0.hasPrefix("profile of x: continuation from the other side found a lower branch at ") },
                      px.warnings.joined(separator: "\n"))
        let jump = try XCTUnwrap(px.warnings.first { $0.hasPrefix("profile of x jumps at ") }, px.warnings.joined(separator: "\n"))
        XCTAssertTrue(jump.hasSuffix("σ (y); the lower branch is kept"), jump)
        XCTAssertFalse(px.warnings.contains { $0.contains("lower minimum") })
    }

    func testOutwardContinuationKeepsTheValleyOfTheMinimum() throws {
        let m = BranchValleyModel(floor: 3)
        var o = options()
        o.profileContinuation = .outward
        let r = try ScanRunner.run(model: m, options: o)
        let px = r.profiles[0]
        // As MINOS: valley A (Δχ² = x²) until it vanishes near x ≈ 6, so Δχ² = 4 is crossed at x = 2.
        for (k, x) in px.values.enumerated() where x < 5.5 { XCTAssertEqual(px.deltaChi2[k], x * x, accuracy: 1e-4, "x = \(x)") }
        XCTAssertEqual(try XCTUnwrap(px.intervals[1].upper), 2, accuracy: 1e-3)
        XCTAssertFalse(px.warnings.contains { $0.contains("continuation from the other side") })
        XCTAssertFalse(try Fmt.json(options()).contains("profileContinuation"), "the default keeps the run id")
    }

    func testLowerMinimumFoundByAProfileRestartsTheScan() throws {
        let m = BranchValleyModel(floor: -5)
        let r = try ScanRunner.run(model: m, options: options())
        // The scan restarted from valley B: its minimum is the lower one, every answer measured from it.
        XCTAssertEqual(r.minimum.chi2, 95, accuracy: 1e-6)
        XCTAssertEqual(r.minimum.theta[0], 3, accuracy: 1e-4)
        XCTAssertEqual(r.minimum.theta[1], 3, accuracy: 1e-4)
        let notes = try XCTUnwrap(r.notes)
        XCTAssertEqual(notes.count, 1, notes.joined(separator: "\n"))
        XCTAssertTrue(notes[0].hasPrefix("a lower χ² than the minimum's was found in the profile of x at x = "), notes[0])
        XCTAssertTrue(notes[0].contains("the scan restarts from it: χ²_min 100.0000 → 95.0000"), notes[0])
        XCTAssertTrue(r.text().contains("\nnote: a lower χ² than the minimum's was found in the profile of x"))
        let px = r.profiles[0]
        XCTAssertGreaterThan(px.deltaChi2.min()!, -1e-6)
        XCTAssertFalse(px.warnings.contains { $0.contains("lower minimum") })
        // Profile of x from the new minimum: (x − 3)²/4, Δχ² = 1 at 3 ± 2.
        XCTAssertEqual(try XCTUnwrap(px.intervals[0].lower), 1, accuracy: 1e-3)
        XCTAssertEqual(try XCTUnwrap(px.intervals[0].upper), 5, accuracy: 1e-3)
        // The old minimum stays visible as another local minimum.
        XCTAssertTrue(r.minimum.warnings.contains { $0.hasPrefix("multi-start found other local minima at Δχ² = 5.000") },
                      r.minimum.warnings.joined(separator: "\n"))
        // The notes survive the HDF5 file.
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path("scan.h5")
        try r.write(to: path)
        XCTAssertEqual(try ScanResult.read(path).notes, notes)
    }

    func testLowerPointOutsideABoundIsReportedNotFollowed() throws {
        let m = BranchValleyModel(floor: -5)
        let r = try ScanRunner.run(model: m, options: options(bounds: ["y": ValueRange(lower: -1, upper: 2.5)]))
        XCTAssertEqual(r.minimum.chi2, 100, accuracy: 1e-6)
        let notes = try XCTUnwrap(r.notes)
        XCTAssertEqual(notes.count, 1, notes.joined(separator: "\n"))
        XCTAssertTrue(notes[0].contains("at the bound of y = 2.5: the lower valley lies outside the bounded region, "
                                        + "so it is reported, not followed"), notes[0])
        XCTAssertTrue(r.profiles[0].warnings.contains { $0.contains("a lower minimum than the global one was found") })
        XCTAssertLessThan(r.profiles[0].deltaChi2.min()!, -3)
    }
}
