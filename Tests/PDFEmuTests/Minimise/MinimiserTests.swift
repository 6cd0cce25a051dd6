import XCTest
@testable import PDFEmuCore
@testable import PDFEmuAnalysis
import PDFEmuTestSupport

final class MinimiserTests: XCTestCase {
    /// Trial steps into a region where the function is undefined (NaN, as the exact theory χ² returns
    /// outside its sum-rule domain) are rejected: the minimiser stays in the defined region.
    func testNonFiniteTrialStepsAreRejected() {
        // f = (x + 1)² + (y − 2)², undefined for x < 0: the full Newton step from x = 3 lands at x = −1.
        let m = Minimiser(dimension: 2) { t in
            guard t[0] >= 0 else { return (.nan, [.nan, .nan], [.nan, .nan, .nan, .nan]) }
            return ((t[0] + 1) * (t[0] + 1) + (t[1] - 2) * (t[1] - 2), [2 * (t[0] + 1), 2 * (t[1] - 2)], [2, 0, 0, 2])
        }
        let r = m.minimise(from: [3, 0], constraints: [.free, .free])
        XCTAssertTrue(r.value.isFinite, "\(r.status)")
        XCTAssertGreaterThanOrEqual(r.theta[0], 0)
        // It descends to the edge x = 0 (it does not slide along an undefined region's edge: there it stops).
        XCTAssertLessThan(r.value, 17.0 / 10, "\(r.theta) \(r.status)")
        XCTAssertEqual(r.theta[0], 0, accuracy: 1e-6)
        XCTAssertGreaterThan(r.evaluations, 2, "the first (undefined) trial must have been retried")
    }

    func testQuadraticConvergesToCentreFromFarStart() {
        let m = QuadraticModel(p: 14)
        let start = (0..<14).map { m.mu[$0] + 3 * m.sigma($0) * (($0 % 2 == 0) ? 1 : -1) }
        let r = Minimiser(model: m).minimise(from: start, constraints: Array(repeating: .free, count: 14))
        XCTAssertTrue(r.converged, r.status.rawValue)
        XCTAssertLessThanOrEqual(r.iterations, 3)
        for i in 0..<14 { XCTAssertEqual(r.theta[i], m.mu[i], accuracy: 1e-8 * m.sigma(i)) }
        XCTAssertEqual(r.value, m.chi0, accuracy: 1e-9)
        XCTAssertTrue(r.atBound.isEmpty)
    }

    func testBoundedMinimumSitsAtBoundWithConditionalOthers() {
        let m = QuadraticModel(p: 6)
        let a = 2
        let b = m.mu[a] + m.sigma(a)
        var c = [ParameterConstraint](repeating: .free, count: 6)
        c[a] = .bounded(lower: b, upper: b + 5 * m.sigma(a))
        let r = Minimiser(model: m).minimise(from: m.bestTrainingPoints[0].enumerated().map { c[$0].clamp($1) }, constraints: c)
        XCTAssertTrue(r.converged, r.status.rawValue)
        XCTAssertEqual(r.atBound, [a])
        XCTAssertEqual(r.theta[a], b)
        // Others at the conditional mean μ_o + C_oa/C_aa·(b − μ_a); χ² rises by exactly 1.
        for o in 0..<6 where o != a {
            XCTAssertEqual(r.theta[o], m.mu[o] + m.cov[o * 6 + a] / m.cov[a * 6 + a] * (b - m.mu[a]), accuracy: 1e-7)
        }
        XCTAssertEqual(r.value - m.chi0, 1, accuracy: 1e-9)
    }

    func testFixedParameterIsHeldAndRosenbrockValleyIsFollowed() {
        let m = BananaModel()
        var c = [ParameterConstraint](repeating: .free, count: 4)
        c[3] = .fixed(0.7)
        let r = Minimiser(model: m).minimise(from: [-1.2, 1.0, 0, 0.7], constraints: c)
        XCTAssertTrue(r.converged, r.status.rawValue)
        XCTAssertEqual(r.theta[3], 0.7)
        XCTAssertEqual(r.theta[0], 1, accuracy: 1e-3)
        XCTAssertEqual(r.theta[1], 1, accuracy: 1e-3)
        XCTAssertEqual(r.value, m.value(at: [1, 1, r.theta[2], 0.7]), accuracy: 1e-6)
        // z minimises u² + u³ + u⁴ + ((0.7 − z)/e)²: check the gradient in z vanishes there.
        let g = m.valueGradientHessian(at: r.theta).gradient
        XCTAssertEqual(g[2], 0, accuracy: 1e-5)
    }

    func testMultiStartKeepsTheDeepestConvergedValley() {
        var m = TwoValleyModel()
        let free = [ParameterConstraint](repeating: .free, count: 3)
        let mn = Minimiser(model: m)
        let only1 = mn.minimiseMultiStart(from: m.bestTrainingPoints, constraints: free)
        XCTAssertEqual(only1.best.value, 50, accuracy: 1e-6)
        m.bestTrainingPoints.append([1.8, 4.6, 0.2])
        let both = mn.minimiseMultiStart(from: m.bestTrainingPoints, constraints: free)
        XCTAssertEqual(both.bestIndex, 3)
        XCTAssertEqual(both.best.value, 50 - 8, accuracy: 1e-6)
        XCTAssertEqual(both.best.theta[1], 5, accuracy: 1e-5)
    }

    func testDenseCholeskySolvesSPDSystem() {
        let m = QuadraticModel(p: 9)
        var a = m.inv
        var x = (0..<9).map { Double($0) - 4 }
        let b = x
        a.withUnsafeMutableBufferPointer { ab in
            XCTAssertTrue(DenseCholesky.factor(ab.baseAddress!, 9))
            x.withUnsafeMutableBufferPointer { DenseCholesky.solve(ab.baseAddress!, 9, $0.baseAddress!) }
        }
        // x = C⁻¹⁻¹ b = C b.
        for i in 0..<9 {
            let cb = (0..<9).map { m.cov[i * 9 + $0] * b[$0] }.reduce(0, +)
            XCTAssertEqual(x[i], cb, accuracy: 1e-9 * max(1, abs(cb)))
        }
        var notPD: [Double] = [1, 2, 2, 1]
        XCTAssertFalse(notPD.withUnsafeMutableBufferPointer { DenseCholesky.factor($0.baseAddress!, 2) })
    }
}
