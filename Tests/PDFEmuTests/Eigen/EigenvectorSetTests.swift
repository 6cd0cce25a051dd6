import XCTest
@testable import PDFEmuCore
@testable import PDFEmuAnalysis
import PDFEmuTestSupport

final class EigenvectorSetTests: XCTestCase {
    /// On a quadratic χ² every end sits exactly at the quadratic prediction, and the master formula of a
    /// parameter is its Hessian error T·σ; the Lagrange interval agrees.
    func testQuadraticEndsAndMasterFormula() throws {
        let m = QuadraticModel(p: 4)
        let r = try EigenvectorSets.compute(model: m, options: EigenOptions(tolerance: 4))
        XCTAssertEqual(r.members.count, 9)
        for d in r.directions {
            for e in [d.plus, d.minus] {
                XCTAssertEqual(try XCTUnwrap(e.deltaChi2), 4, accuracy: 1e-3)
                XCTAssertEqual(try XCTUnwrap(e.ratio), 1, accuracy: 1e-5)
                XCTAssertEqual(e.deltaChi2AtQuadratic, 4, accuracy: 1e-6)
            }
        }
        for (a, q) in r.quantities.enumerated() {
            let sigma = 2 * m.sigma(a)
            XCTAssertEqual(q.symmetric, sigma, accuracy: 1e-5 * sigma)
            XCTAssertEqual(q.plus, sigma, accuracy: 1e-5 * sigma)
            XCTAssertEqual(q.minus, sigma, accuracy: 1e-5 * sigma)
            let l = try XCTUnwrap(q.lagrange)
            XCTAssertEqual(try XCTUnwrap(l.upper) - q.central, sigma, accuracy: 1e-3 * sigma)
            XCTAssertEqual(q.central - (try XCTUnwrap(l.lower)), sigma, accuracy: 1e-3 * sigma)
        }
    }

    /// With quartic terms the ends move inside the quadratic prediction; each end is checked against
    /// an independent bisection along the same direction, and Δχ² = T² within 1e-3.
    func testNonQuadraticEndsAgainstBisection() throws {
        let m = QuadraticModel(p: 3, quartic: 2)
        for iterate in [false, true] {
            let r = try EigenvectorSets.compute(model: m, options: EigenOptions(tolerance: 10, iterate: iterate))
            let c = r.minimum.theta, f0 = r.minimum.chi2
            for d in r.directions {
                for e in [d.plus, d.minus] {
                    let dir = d.direction.map { Double(e.sign) * $0 }
                    let root = bisect({ s in m.value(at: zip(c, dir).map { $0 + s * $1 }) - f0 - 10 }, 0, 10)
                    XCTAssertEqual(try XCTUnwrap(e.distance), root, accuracy: 1e-6 * max(1, root))
                    XCTAssertEqual(try XCTUnwrap(e.deltaChi2), 10, accuracy: 1e-3)
                    if !iterate { XCTAssertLessThan(try XCTUnwrap(e.ratio), 1) }
                }
            }
            if iterate {
                XCTAssertGreaterThan(r.basis.iterations, 0)
                XCTAssertLessThan(r.basis.residual, 1e-3)
            }
        }
    }

    /// The iterated basis diagonalises χ² at the scale T: an independent finite-difference mixed
    /// derivative between two of its directions vanishes, while the Hessian basis mixes them.
    func testIterationDiagonalisesAtScale() throws {
        let m = QuadraticModel(p: 3, quartic: 0.5)
        func mixed(_ r: EigenvectorSetResult, _ k: Int, _ l: Int) -> Double {
            let s = 10.0.squareRoot(), c = r.minimum.theta
            let (a, b) = (r.basis.directions[k], r.basis.directions[l])
            func f(_ x: Double, _ y: Double) -> Double { m.value(at: c.indices.map { c[$0] + x * a[$0] + y * b[$0] }) }
            return (f(s, s) - f(s, -s) - f(-s, s) + f(-s, -s)) / (8 * s * s)
        }
        let plain = try EigenvectorSets.compute(model: m, options: EigenOptions(tolerance: 10, lagrange: false))
        let iterated = try EigenvectorSets.compute(model: m, options: EigenOptions(tolerance: 10, iterate: true, lagrange: false))
        let before = (0..<3).flatMap { k in ((k + 1)..<3).map { abs(mixed(plain, k, $0)) } }.max()!
        let after = (0..<3).flatMap { k in ((k + 1)..<3).map { abs(mixed(iterated, k, $0)) } }.max()!
        XCTAssertGreaterThan(before, 0.01)
        XCTAssertLessThan(after, 2e-3)
    }

    /// A direction that never reaches T² inside the training box is an open end, not an invented point.
    func testOpenEndWhenLevelOutsideBox() throws {
        let m = QuadraticModel(p: 3, boxSigmas: 1.5)
        let r = try EigenvectorSets.compute(model: m, options: EigenOptions(tolerance: 100, lagrange: false))
        XCTAssertTrue(r.directions.allSatisfy { $0.plus.distance == nil && $0.minus.distance == nil })
        XCTAssertTrue(r.memberFound.dropFirst().allSatisfy { !$0 })
        XCTAssertTrue(r.warnings.contains { $0.contains("open end") })
        XCTAssertTrue(r.members[1].allSatisfy(\.isNaN))
    }

    func testMasterFormulaAsymmetric() {
        // Direction 1: +2 / −1 around 10; direction 2: both ends up (+3, +1); direction 3: open − end.
        let q = MasterUncertainty.compute(name: "x", values: [10, 12, 9, 13, 11, 10.5, .nan])
        XCTAssertEqual(q.symmetric, 0.5 * (9.0 + 4.0).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(q.plus, (4.0 + 9 + 0.25).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(q.minus, 1, accuracy: 1e-12)
        XCTAssertEqual(q.incompleteDirections, [3])
    }

    func testBadInput() {
        let m = QuadraticModel(p: 2)
        XCTAssertThrowsError(try EigenvectorSets.compute(model: m, options: EigenOptions(tolerance: 0)))
        XCTAssertThrowsError(try EigenvectorSets.compute(model: BananaModel(), options: EigenOptions(
            tolerance: 1, dynamic: DynamicToleranceOptions(experimentPoints: [:])))) { e in
            XCTAssertTrue(userMessage(e).contains("per-experiment"))
        }
        XCTAssertThrowsError(try EigenvectorSets.compute(model: m, options: EigenOptions(
            tolerance: 1, dynamic: DynamicToleranceOptions(experimentPoints: ["expA": 10])))) { e in
            XCTAssertTrue(userMessage(e).contains("expB"))
        }
    }

    /// Dynamic tolerance on the quadratic model: χ²_A = 0.25·q + 100, χ²_B = 0.75·q + 400 with q = Δχ²,
    /// so along any direction S_E crosses Φ⁻¹(0.9) at a Δχ² solvable by hand.
    func testDynamicToleranceAnalytic() throws {
        let m = QuadraticModel(p: 3, boxSigmas: 30)
        let opts = DynamicToleranceOptions(experimentPoints: ["expA": 100, "expB": 400])
        let r = try EigenvectorSets.compute(model: m, options: EigenOptions(tolerance: 1, lagrange: false, dynamic: opts))
        let dyn = try XCTUnwrap(r.dynamic)
        // Fisher: √(2χ²) = 1.2816 + √(2N−1) → χ² = (1.2816 + √(2N−1))²/2.
        func q(_ n: Double, _ base: Double, _ w: Double) -> Double {
            (pow(GaussianEquivalent.level90 + (2 * n - 1).squareRoot(), 2) / 2 - base) / w
        }
        let qa = q(100, 100, 0.25), qb = q(400, 400, 0.75)
        let first = qa < qb ? "expA" : "expB"
        for d in dyn.directions {
            for e in [d.plus, d.minus] {
                XCTAssertEqual(e.experiment, first)
                XCTAssertEqual(try XCTUnwrap(e.deltaChi2), min(qa, qb), accuracy: 1e-4)
                XCTAssertEqual(try XCTUnwrap(e.distance), min(qa, qb).squareRoot(), accuracy: 1e-4)
            }
        }
    }
}
