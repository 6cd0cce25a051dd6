import XCTest
@testable import PDFEmuCore
@testable import PDFEmuIO
@testable import PDFEmuAnalysis
@testable import PDFEmuLearn
import PDFEmuTestSupport

/// χ² = 100 + a² + w(b² − 1)² − 1.5ab + 0.6(1 − b) (`twoValleys`), or, without the valley at b ≈ −1,
/// 100 + a² + 4w(b − 1)² − 1.5ab (the guide). On the lower side of a the true profile has two branches:
/// the outward one in b ≈ +1 and, further out, a lower one in b ≈ −1 that the two-sided scan keeps
/// (the b ≈ +1 valley ends near a ≈ −1.6, so the inward sweep from the far end finds it).
struct TwoBranchModel: ScalarModel {
    let parameterNames = ["a", "b"]
    let experimentNames: [String] = []
    var twoValleys = true
    let w = 1.2
    func valueGradientHessian(at t: [Double]) -> (value: Double, gradient: [Double], hessian: [Double]) {
        let a = t[0], b = t[1]
        if twoValleys {
            let v = 100 + a * a + w * (b * b - 1) * (b * b - 1) - 1.5 * a * b + 0.6 * (1 - b)
            let gb = 4 * w * b * (b * b - 1) - 1.5 * a - 0.6
            return (v, [2 * a - 1.5 * b, gb], [2, -1.5, -1.5, w * (12 * b * b - 4)])
        }
        let v = 100 + a * a + 4 * w * (b - 1) * (b - 1) - 1.5 * a * b
        return (v, [2 * a - 1.5 * b, 8 * w * (b - 1) - 1.5 * a], [2, -1.5, -1.5, 8 * w])
    }
    func value(at t: [Double]) -> Double { valueGradientHessian(at: t).value }
    func valueAndGradient(at t: [Double]) -> (value: Double, gradient: [Double]) { let r = valueGradientHessian(at: t); return (r.value, r.gradient) }
    func prediction(at t: [Double]) -> Prediction { Prediction(value: value(at: t), spread: 0, perExperiment: []) }
    func predictBatch(_ points: [Double]) -> BatchPrediction { pointwiseBatch(points) }
    var startingPoints: [[Double]] { [[0.7, 1.0]] }
}

/// Item 4 of issue 18: an end starts on the branch the scan kept, not on the guide's valley.
final class BranchStartTests: XCTestCase {
    /// Refining the truth's two-sided scan with a guide that lacks its lower branch: the lower T² = 4 end is
    /// certified on the lower branch, where the scan puts it — not at the outward branch's end (a ≈ −1.25,
    /// also a true constrained minimum at Δχ² = 4, where the guide's valley would start it).
    func testEndStartsOnTheScansLowerBranch() throws {
        let truth = TwoBranchModel(), guide = TwoBranchModel(twoValleys: false)
        let scan = try ScanRunner.run(model: truth, options: ScanOptions(profileParameters: ["a"], tolerances: [1, 4],
                                                                         ranges: ["a": ValueRange(lower: -5, upper: 3)]))
        let profile = try XCTUnwrap(scan.profiles.first)
        XCTAssertTrue(profile.warnings.contains { $0.contains("lower branch") }, "the scan must find the lower branch: \(profile.warnings)")
        let scanEnd = try XCTUnwrap(profile.intervals.first { $0.tolerance == 4 }?.lower)
        XCTAssertLessThan(scanEnd, -2, "the two-sided end lies on the lower branch")
        let r = try Refiner(guide: guide, scan: scan, oracle: ModelOracle(truth, label: "truth"),
                            options: RefineOptions(budget: 2000, gradients: .exact, maxIterations: 80)).run()
        let end = try XCTUnwrap(r.answers.first { $0.name == "profile/a T2=4 lower" })
        XCTAssertEqual(end.status, .certified, end.note)
        XCTAssertEqual(try XCTUnwrap(end.exactValue), scanEnd, accuracy: 0.01)
        XCTAssertLessThan(end.theta[1], 0, "on the b ≈ −1 branch")
        // The guide's own scan has no second branch: its ends start where they did (the guide's minimum).
        let own = try ScanRunner.run(model: guide, options: ScanOptions(profileParameters: ["a"], tolerances: [1, 4]))
        let refiner = try Refiner(guide: guide, scan: own, oracle: ModelOracle(truth, label: "truth"))
        for (interval, side) in [(own.profiles[0].intervals[1].lower!, -1.0), (own.profiles[0].intervals[1].upper!, 1.0)] {
            let x = refiner.initialEndPoint(profile: own.profiles[0], k: 0, value: interval, side: side)
            var cons: [ParameterConstraint] = [.fixed(interval), .free]
            cons[1] = .free
            let m = Minimiser(model: guide).minimise(from: [interval, 1], constraints: cons)
            XCTAssertEqual(x[1], m.theta[1], accuracy: 1e-4)
        }
    }
}
