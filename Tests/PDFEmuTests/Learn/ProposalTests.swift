import Foundation
import XCTest
@testable import PDFEmuIO
@testable import PDFEmuAnalysis
@testable import PDFEmuLearn
import PDFEmuTestSupport

final class ProposalTests: XCTestCase {
    func testMixDedupDeterminismAndWhereThePointsLie() throws {
        let model = QuadraticModel(p: 3)
        var o = ScanOptions(profileParameters: ["p0", "p1"], tolerances: [1, 4])
        o.points = 11
        o.contours = [["p0", "p1"]]; o.rays = 8
        let scan = try ScanRunner.run(model: model, options: o)
        let existing = scan.minimum.theta + scan.profiles[0].theta[3]
        let po = ProposalOptions(count: 60, seed: 3, margin: 2, minDistance: 0.2)
        let a = try Proposer.propose(model: model, scan: scan, scanOptions: o, existing: existing, options: po)
        let b = try Proposer.propose(model: model, scan: scan, scanOptions: o, existing: existing, options: po)
        XCTAssertEqual(a, b, "seeded")
        var po2 = po; po2.seed = 4
        XCTAssertNotEqual(try Proposer.propose(model: model, scan: scan, scanOptions: o, existing: existing, options: po2).points, a.points)
        XCTAssertEqual(a.count, 60)
        let counts = Dictionary(uniqueKeysWithValues: a.counts)
        XCTAssertEqual(counts[.profile]! + counts[.contour]! + counts[.lagrange]!, 30, a.mixText)
        XCTAssertGreaterThan(counts[.profile]!, 0); XCTAssertGreaterThan(counts[.contour]!, 0)
        XCTAssertEqual(counts[.disagreement], 18, a.mixText)
        XCTAssertEqual(counts[.exploration], 12, a.mixText)
        // Whitened (Hessian σ) distances: at least minDistance apart, and from the existing points.
        let sigma = (0..<3).map { scan.hessian.sigma(ofParameter: $0)! }
        func z(_ t: [Double]) -> [Double] { (0..<3).map { (t[$0] - scan.minimum.theta[$0]) / sigma[$0] } }
        let all = (0..<a.count).map { Array(a.points[($0 * 3)..<($0 * 3 + 3)]) }
        let known = [scan.minimum.theta, scan.profiles[0].theta[3]]
        for i in all.indices {
            for j in all.indices where j < i { XCTAssertGreaterThanOrEqual(dist(z(all[i]), z(all[j])), 0.2 - 1e-12) }
            for k in known { XCTAssertGreaterThanOrEqual(dist(z(all[i]), z(k)), 0.2 - 1e-12) }
        }
        let level = 4.0 + 2
        for (t, kind) in zip(all, a.kinds) {
            let d = model.value(at: t) - scan.minimum.chi2
            switch kind {
            case .exploration: XCTAssertEqual(d, level, accuracy: 1e-2)
            case .disagreement: XCTAssertLessThanOrEqual(d, level + 1e-9)
            default: XCTAssertLessThanOrEqual(d, 2 * 2 * 4 + 0.5)   // at most 2 × the T² = 4 distance (quadratic: 4 T²)
            }
        }
        // The crossings themselves are proposed: some profile point at Δχ² = 1 and one at 4.
        let deltas = zip(all, a.kinds).filter { $0.1 == .profile }.map { model.value(at: $0.0) - scan.minimum.chi2 }
        XCTAssertTrue(deltas.contains { abs($0 - 1) < 1e-3 }); XCTAssertTrue(deltas.contains { abs($0 - 4) < 1e-3 })
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try a.write(to: dir.path("next.h5"))
        let back = try OraclePoints.read(dir.path("next.h5"))
        XCTAssertEqual(back.values, a.points)
        XCTAssertEqual(back.parameterNames, ["p0", "p1", "p2"])
    }

    func dist(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot() }
}
