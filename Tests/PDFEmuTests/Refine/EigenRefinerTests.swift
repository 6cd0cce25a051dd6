import Foundation
import XCTest
@testable import PDFEmuCore
@testable import PDFEmuIO
@testable import PDFEmuAnalysis
@testable import PDFEmuLearn
import PDFEmuTestSupport

/// An oracle that counts its calls and points.
final class CallCountingOracle: ChiSquareOracle, @unchecked Sendable {
    let base: any ChiSquareOracle
    private(set) var calls = 0, points = 0
    private let lock = NSLock()
    init(_ base: any ChiSquareOracle) { self.base = base }
    var label: String { base.label }
    var parameterNames: [String]? { base.parameterNames }
    func evaluate(_ p: OraclePoints) throws(OracleError) -> OracleResult {
        lock.lock(); calls += 1; points += p.count; lock.unlock()
        return try base.evaluate(p)
    }
}

/// Eigenvector-set ends on the truth (issue 18, stretch of item 1): from the certified true minimum,
/// along the model's directions, Δχ²_true = T² within ε, the rays batched.
final class EigenRefinerTests: XCTestCase {
    let truth = BumpedQuadratic()

    func refinedMinimum(_ guide: any ScalarModel) throws -> RefinedAnswer {
        let s = try ScanRunner.run(model: guide, options: ScanOptions(profileParameters: [], tolerances: [4]))
        let r = try Refiner(guide: guide, scan: s, oracle: ModelOracle(truth, label: "truth"), options: RefineOptions(budget: 500)).run()
        XCTAssertEqual(r.answers.count, 1)
        return r.answers[0]
    }

    func testEndsOnTheTruthAreCertifiedWithinEpsilonAndBatched() throws {
        var guide = truth
        guide.beta = 0.6; guide.centre = [0.9, -0.6, 2.3]; guide.width = 0.5
        let set = try EigenvectorSets.compute(model: guide, options: EigenOptions(tolerance: 4, lagrange: false))
        let minimum = try refinedMinimum(guide)
        XCTAssertEqual(minimum.status, .certified, minimum.note)
        let oracle = CallCountingOracle(ModelOracle(truth, label: "truth"))
        let r = try EigenRefiner(oracle: oracle, epsilon: 0.01, budget: 2000)
            .run(set: set, minimum: minimum, constraints: [ParameterConstraint](repeating: .free, count: 3))
        XCTAssertEqual(r.ends.count, 6)
        XCTAssertEqual(r.certifiedCount, 6, r.ends.map { "\($0.direction)\($0.sign): \($0.note)" }.joined(separator: "; "))
        var moved = 0
        for e in r.ends {
            // The truth itself at the end, measured from its own minimum: T² within ε + the minimum's δ.
            XCTAssertEqual(truth.value(at: e.theta) - truth.chi0, 4, accuracy: 0.01 + 0.002, "\(e.direction)\(e.sign)")
            XCTAssertEqual(abs(e.trueDeltaChi2 - 4), abs(e.error), accuracy: 1e-12)
            XCTAssertLessThanOrEqual(abs(e.error), 0.01)
            if let m = e.modelDistance, let x = e.exactDistance, abs(x - m) > 0.01 * m { moved += 1 }
        }
        XCTAssertGreaterThan(moved, 0, "the bump must move some end for the test to mean anything")
        // One batch per step of all rays: far fewer oracle calls than points.
        XCTAssertEqual(oracle.points, r.evaluations)
        XCTAssertEqual(oracle.calls, r.batches)
        XCTAssertLessThanOrEqual(r.batches, r.ends.map(\.evaluations).max()!)
        XCTAssertEqual(r.evaluations, r.ends.reduce(0) { $0 + $1.evaluations })
        // The exact set: members at the exact ends, the minimum the true one.
        let exact = r.applied(to: set)
        XCTAssertEqual(exact.minimum.theta, minimum.theta)
        XCTAssertEqual(exact.directions[0].plus.theta!, r.ends[0].theta)
    }

    /// A budget too small for the rays: the ends are not certified, naming the budget; nothing is certified wrongly.
    func testBudgetSpentLeavesEndsNotCertified() throws {
        let set = try EigenvectorSets.compute(model: truth, options: EigenOptions(tolerance: 1, lagrange: false))
        let minimum = try refinedMinimum(truth)
        let r = try EigenRefiner(oracle: ModelOracle(truth, label: "truth"), epsilon: 0.01, budget: 12)
            .run(set: set, minimum: minimum, constraints: [ParameterConstraint](repeating: .free, count: 3))
        XCTAssertLessThanOrEqual(r.evaluations, 12)
        XCTAssertTrue(r.ends.contains { $0.status == .notCertified && $0.note.contains("budget") })
        for e in r.ends where e.status == .certified { XCTAssertEqual(truth.value(at: e.theta) - truth.chi0, 1, accuracy: 0.012) }
        XCTAssertThrowsError(try EigenRefiner(oracle: ModelOracle(truth, label: "truth"), epsilon: 0)) {
            XCTAssertEqual(($0 as? SettingError)?.setting, .refineEpsilon)
        }
    }
}
