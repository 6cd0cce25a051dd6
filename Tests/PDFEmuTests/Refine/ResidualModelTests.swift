import XCTest
@testable import PDFEmuCore
@testable import PDFEmuIO
@testable import PDFEmuAnalysis
@testable import PDFEmuLearn
import PDFEmuTestSupport

final class ResidualModelTests: XCTestCase {
    /// Deterministic points in [−1, 1]^p (a linear congruential sequence).
    func points(_ n: Int, _ p: Int, seed: UInt64 = 7) -> [[Double]] {
        var s = seed
        func next() -> Double { s = s &* 6364136223846793005 &+ 1442695040888963407; return Double(s >> 11) / Double(1 << 53) * 2 - 1 }
        return (0..<n).map { _ in (0..<p).map { _ in next() } }
    }

    /// r = c + wᵀy + yᵀQy over the free parameters (the fixed one ignored): the fitted value and gradient at
    /// any point are exact, with non-unit scales and points spread around it.
    func testExactForAQuadraticResidual() throws {
        let p = 5
        let free = [true, true, false, true, true]
        let scale = [0.5, 2.0, 1.0, 0.1, 3.0]
        let w = [0.7, -1.1, 9.0, 0.4, 2.5]
        let q: [Double] = [2.0, 0.3, 0, -0.5, 0.1,
                           0.3, 1.0, 0, 0.2, 0.0,
                           0, 0, 0, 0, 0,
                           -0.5, 0.2, 0, 4.0, -0.3,
                           0.1, 0.0, 0, -0.3, 0.5]
        func r(_ y: [Double]) -> Double {
            var v = 3.0
            for i in 0..<p where free[i] { v += w[i] * y[i]; for j in 0..<p where free[j] { v += y[i] * q[i * p + j] * y[j] } }
            return v
        }
        func grad(_ y: [Double]) -> [Double] {
            var g = [Double](repeating: 0, count: p)
            for i in 0..<p where free[i] {
                var t = w[i]
                for j in 0..<p where free[j] { t += (q[i * p + j] + q[j * p + i]) * y[j] }
                g[i] = t
            }
            return g
        }
        var model = ResidualModel(scale: scale, free: free)
        for y in points(60, p) { model.add(zip(y, scale).map { $0 * $1 }, residual: r(zip(y, scale).map { $0 * $1 })) }
        for x in [[0.1, -0.3, 0.0, 0.02, 1.0], [0.0, 0.0, 5.0, 0.0, 0.0]] {
            let fit = try XCTUnwrap(model.fit(at: x))
            XCTAssertEqual(fit.value, r(x), accuracy: 1e-8)
            let g = grad(x)
            for i in 0..<p { XCTAssertEqual(fit.gradient[i], g[i], accuracy: 1e-7 * max(1, abs(g[i])), "∂r/∂θ\(i)") }
            XCTAssertEqual(fit.gradient[2], 0)
        }
        // A residual that is not quadratic is not fitted exactly: the test above can fail.
        var cubic = ResidualModel(scale: scale, free: free)
        for y0 in points(60, p) { let y = zip(y0, scale).map { $0 * $1 }; cubic.add(y, residual: r(y) + 5 * pow(y[0] / scale[0], 3)) }
        let x = [0.1, -0.3, 0.0, 0.02, 1.0]
        let gc = try XCTUnwrap(cubic.fit(at: x)).gradient
        XCTAssertGreaterThan(abs(gc[0] - (grad(x)[0] + 15 * 0.04 / scale[0])), 1e-4)
    }

    /// Too few points for the quadratic basis: the linear basis, exact for a linear residual; fewer than
    /// m + 2 points: no fit; a non-finite residual is not stored.
    func testLinearBasisAndTooFewPoints() throws {
        let free = [true, true, true]
        var model = ResidualModel(scale: [1, 1, 1], free: free)
        let w = [0.5, -2.0, 1.5]
        let pts = points(8, 3, seed: 3)
        for y in pts.prefix(4) { model.add(y, residual: 1 + zip(w, y).reduce(0) { $0 + $1.0 * $1.1 }) }
        XCTAssertNil(model.fit(at: [0, 0, 0]))
        model.add([0, 0, 0], residual: .nan)
        XCTAssertEqual(model.points.count, 4)
        for y in pts.suffix(4) { model.add(y, residual: 1 + zip(w, y).reduce(0) { $0 + $1.0 * $1.1 }) }
        let fit = try XCTUnwrap(model.fit(at: [0.2, 0.1, -0.4]))
        for i in 0..<3 { XCTAssertEqual(fit.gradient[i], w[i], accuracy: 1e-8) }
    }

    /// Residual steps on damaged guides: every certified end's true Δχ² (the truth profiled at the certified
    /// value) is within ε + δ of T², and on the bumped guide all answers but at most one are certified.
    func testResidualStepsNeverCertifyAWrongEnd() throws {
        let truth = BumpedQuadratic()
        for (beta, centre) in [(-1.5, [0.5, -0.2, 2.0]), (2.0, [1.0, -1.0, 1.2]), (-0.8, [0.0, -1.5, 2.8]), (0.6, [0.9, -0.6, 2.3])] {
            var guide = truth
            guide.beta = beta; guide.centre = centre; guide.width = beta == 0.6 ? 0.5 : 0.4
            let s = try ScanRunner.run(model: guide, options: ScanOptions(tolerances: [1, 4]))
            let r = try Refiner(guide: guide, scan: s, oracle: ModelOracle(truth, label: "truth"),
                                options: RefineOptions(budget: 3000, maxIterations: 100, stepGradient: .residual)).run()
            if beta == 0.6 {
                // Measured: 12 of 13 (one end ends "above tolerance", not certified; never a wrong certificate).
                XCTAssertGreaterThanOrEqual(r.certifiedCount, r.answers.count - 1, r.answers.filter { $0.status != .certified }.map { "\($0.name): \($0.note)" }.joined(separator: "; "))
            }
            XCTAssertGreaterThan(r.certifiedCount, 0, "β = \(beta)")
            assertCertifiedEndsOnTheTruth(r, truth: truth, label: "β = \(beta)")
        }
    }

    /// The secant gradient with the residual's gradient change from the model is exact for a quadratic
    /// residual (truth − guide): the model fitted on true points, the accepted point's gradient exact.
    func testSecantWithResidualChangeIsExactForAQuadraticResidual() throws {
        let guide = BumpedQuadratic()
        let w = [0.7, -1.1, 0.4]
        let q: [Double] = [0.5, 0.2, 0.0, 0.2, 1.5, -0.3, 0.0, -0.3, 0.8]
        func res(_ t: [Double]) -> Double {
            var v = 3.0
            for i in 0..<3 { v += w[i] * t[i]; for j in 0..<3 { v += t[i] * q[i * 3 + j] * t[j] } }
            return v
        }
        func resGrad(_ t: [Double]) -> [Double] {
            var g = w
            for i in 0..<3 { for j in 0..<3 { g[i] += 2 * q[i * 3 + j] * t[j] } }
            return g
        }
        func trueGradient(_ t: [Double]) -> [Double] { zip(guide.valueAndGradient(at: t).gradient, resGrad(t)).map { $0 + $1 } }
        let s = try ScanRunner.run(model: guide, options: ScanOptions(tolerances: [1]))
        let refiner = try Refiner(guide: guide, scan: s, oracle: ModelOracle(guide, label: "truth"))
        var model = ResidualModel(scale: [1, 1, 1], free: [true, true, true])
        for y in points(40, 3, seed: 11) { model.add(y, residual: res(y)) }
        let cx = [0.4, -0.9, 2.1], x = [0.9, -0.5, 1.6]
        let c = Refiner.Eval(x: cx, f: guide.value(at: cx) + res(cx), g: trueGradient(cx))
        let fx = try XCTUnwrap(model.fit(at: x)), fc = try XCTUnwrap(model.fit(at: cx))
        let change = (0..<3).map { fx.gradient[$0] - fc.gradient[$0] }
        let g = refiner.secantGradient(from: c, to: x, value: guide.value(at: x) + res(x), e: [Double](repeating: 0, count: 9),
                                       sigma: [1, 1, 1], free: [true, true, true], residualChange: change)
        for i in 0..<3 { XCTAssertEqual(g[i], trueGradient(x)[i], accuracy: 1e-7) }
        // Without it (E = 0) the secant estimate misses the residual's curvature.
        let g0 = refiner.secantGradient(from: c, to: x, value: guide.value(at: x) + res(x), e: [Double](repeating: 0, count: 9),
                                        sigma: [1, 1, 1], free: [true, true, true])
        XCTAssertGreaterThan((0..<3).map { abs(g0[$0] - trueGradient(x)[$0]) }.max()!, 0.1)
    }

    /// Options decode without `stepGradient` (secant), and the CLI value parses.
    func testOptionsDecodeWithoutStepGradient() throws {
        let json = #"{"epsilon":0.01,"stationarity":0.002,"budget":10,"gradients":"values","maxIterations":5,"finiteDifferenceStep":0.01}"#
        let o = try JSONDecoder().decode(RefineOptions.self, from: Data(json.utf8))
        XCTAssertEqual(o.stepGradient, .secant)
        let back = try JSONDecoder().decode(RefineOptions.self, from: JSONEncoder().encode(RefineOptions(stepGradient: .residual)))
        XCTAssertEqual(back.stepGradient, .residual)
    }
}

/// χ² = 100 + φ(a) + 3(b − a/2)², φ(a) = κa² + β·exp(−(a − a0)²/(2w²)): with β < 0 the true profile of a has
/// a local maximum and a dip before it crosses T² on the lower side; the guide (β = 0, κ steeper) puts
/// its lower end at that local maximum.
struct DippedProfile: ScalarModel {
    let parameterNames = ["a", "b"]
    let experimentNames: [String] = []
    var kappa = 1.0, beta = -1.5, a0 = -1.3, width = 0.2

    func phi(_ a: Double) -> (v: Double, d: Double, dd: Double) {
        let u = a - a0, w2 = width * width, e = beta * exp(-u * u / (2 * w2))
        return (kappa * a * a + e, 2 * kappa * a - e * u / w2, 2 * kappa + e * (u * u / (w2 * w2) - 1 / w2))
    }
    func valueGradientHessian(at t: [Double]) -> (value: Double, gradient: [Double], hessian: [Double]) {
        let (v, d, dd) = phi(t[0]), r = t[1] - 0.5 * t[0]
        return (100 + v + 3 * r * r, [d - 3 * r, 6 * r], [dd + 1.5, -3, -3, 6])
    }
    func value(at t: [Double]) -> Double { valueGradientHessian(at: t).value }
    func valueAndGradient(at t: [Double]) -> (value: Double, gradient: [Double]) { let r = valueGradientHessian(at: t); return (r.value, r.gradient) }
    func prediction(at t: [Double]) -> Prediction { Prediction(value: value(at: t), spread: 0, perExperiment: []) }
    var startingPoints: [[Double]] { [[0.1, 0.1]] }
}

final class RefineDipTests: XCTestCase {
    /// The guide's lower end at T² = 4 lies at the true profile's local maximum (Δχ² ≈ 0.6): refine moves
    /// outward through the dip and certifies the true crossing (exact gradients and values only); before
    /// the outward rule the trust region collapsed there and the end was left open.
    func testEndPastALocalMaximumOfTheProfileIsReached() throws {
        for (a0, width, beta, kg) in [(-1.3, 0.2, -1.5, 6.25), (-1.5, 0.4, -1.9, 6.25), (-1.6, 0.6, -2.2, 6.25), (-1.8, 0.5, -2.9, 6.25),
                                      (-1.5, 0.4, -1.9, 2.8)] {
            let truth = DippedProfile(kappa: 1, beta: beta, a0: a0, width: width)
            var guide = truth; guide.kappa = kg; guide.beta = 0
            let s = try ScanRunner.run(model: guide, options: ScanOptions(tolerances: [4]))
            // The true minimum (the dip may hold it): φ_min on a grid, refined by golden section.
            var am = stride(from: -3.0, through: 3.0, by: 0.001).min { truth.phi($0).v < truth.phi($1).v }!
            var (ga, gb) = (am - 0.002, am + 0.002)
            for _ in 0..<80 { let m1 = ga + 0.382 * (gb - ga), m2 = ga + 0.618 * (gb - ga); if truth.phi(m1).v < truth.phi(m2).v { gb = m2 } else { ga = m1 } }
            am = 0.5 * (ga + gb)
            let level = truth.phi(am).v + 4
            // The exact lower end: φ(a) = φ_min + 4 below the dip, by bisection.
            var lo = -3.0, hi = min(a0, am) - 0.1
            for _ in 0..<100 { let mid = 0.5 * (lo + hi); if truth.phi(mid).v > level { lo = mid } else { hi = mid } }
            let exact = 0.5 * (lo + hi)
            for mode in [RefineGradients.exact, .values] {
                let r = try Refiner(guide: guide, scan: s, oracle: ModelOracle(truth, label: "truth"),
                                    options: RefineOptions(budget: 3000, gradients: mode, maxIterations: 150)).run()
                let end = try XCTUnwrap(r.answers.first { $0.name == "profile/a T2=4 lower" })
                XCTAssertEqual(r.answers[0].trueChi2, 100 + truth.phi(am).v, accuracy: 0.01)
                let tag = "a0 \(a0) w \(width) β \(beta) κg \(kg) \(mode)"
                XCTAssertEqual(end.status, .certified, "\(tag): \(end.note) at a = \(end.exactValue ?? .nan)")
                // Δχ² error ≤ ε + δ, through the profile's slope φ'(a) at the end.
                XCTAssertEqual(end.exactValue ?? .nan, exact, accuracy: 2 * (0.01 + 0.002) / abs(truth.phi(exact).d), tag + " θ \(end.theta) χ² \(end.trueChi2) min \(r.answers[0].trueChi2) \(r.answers[0].theta) err \(end.error) stat \(end.stationarity)")
            }
        }
    }
}

extension DippedProfile { func predictBatch(_ points: [Double]) -> BatchPrediction { pointwiseBatch(points) } }
