import XCTest
@testable import PDFEmuAnalysis
import PDFEmuTestSupport

final class ProfileTests: XCTestCase {
    func testQuadraticMinimumHessianProfilesContoursAndLagrangeMatchTheCovariance() throws {
        let p = 6
        let m = QuadraticModel(p: p)
        let opts = ScanOptions(tolerances: [1, 4], contours: [["p1", "p4"]], levels: [2.30, 6.18], rays: 24,
                               lagrangeExpressions: ["0.5*p0 - p3 + 2"])
        let r = try ScanRunner.run(model: m, options: opts)
        XCTAssertEqual(r.minimum.chi2, m.chi0, accuracy: 1e-9)
        XCTAssertTrue(r.minimum.converged)
        XCTAssertTrue(r.hessian.positiveDefinite)
        for i in 0..<p {
            XCTAssertEqual(r.minimum.theta[i], m.mu[i], accuracy: 1e-7)
            XCTAssertEqual(r.hessian.sigma[i], m.sigma(i), accuracy: 1e-9 * m.sigma(i))
            XCTAssertEqual(r.hessian.errors[1][i], 2 * m.sigma(i), accuracy: 1e-9 * m.sigma(i))
        }
        XCTAssertEqual(r.hessian.correlation[1 * p + 4], m.cov[1 * p + 4] / (m.sigma(1) * m.sigma(4)), accuracy: 1e-9)
        XCTAssertEqual(r.profiles.count, p)
        for pr in r.profiles {
            let a = pr.index, s = m.sigma(a)
            XCTAssertEqual(pr.values.count, 41)
            XCTAssertEqual(pr.values.first!, m.mu[a] - 1.5 * 2 * s, accuracy: 1e-6 * s)
            XCTAssertEqual(pr.values.last!, m.mu[a] + 1.5 * 2 * s, accuracy: 1e-6 * s)
            for k in 0..<41 {
                let u = pr.values[k] - m.mu[a]
                XCTAssertEqual(pr.deltaChi2[k], u * u / m.cov[a * p + a], accuracy: 1e-6)
                XCTAssertTrue(pr.converged[k])
                XCTAssertTrue(pr.inside[k])
                // Profiled others at the conditional mean; per-experiment Δ splits the quadratic 1:3.
                for o in 0..<p where o != a {
                    XCTAssertEqual(pr.theta[k][o], m.mu[o] + m.cov[o * p + a] / m.cov[a * p + a] * u, accuracy: 1e-6)
                }
                XCTAssertEqual(pr.perExperiment[k][0], 0.25 * pr.deltaChi2[k], accuracy: 1e-6)
                XCTAssertEqual(pr.perExperiment[k][1], 0.75 * pr.deltaChi2[k], accuracy: 1e-6)
                XCTAssertEqual(pr.spread[k], 0.01 * (1 + pr.deltaChi2[k]), accuracy: 1e-8)
            }
            for (t, iv) in zip([1.0, 2.0], pr.intervals) {
                XCTAssertTrue(iv.refined)
                XCTAssertEqual(try XCTUnwrap(iv.lower), m.mu[a] - t * s, accuracy: 1e-4 * s)
                XCTAssertEqual(try XCTUnwrap(iv.upper), m.mu[a] + t * s, accuracy: 1e-4 * s)
            }
        }
        // Contour: each vertex on δᵀ C_ab⁻¹ δ = level.
        let c = r.contours[0]
        let (caa, cbb, cab) = (m.cov[1 * p + 1], m.cov[4 * p + 4], m.cov[1 * p + 4])
        let det = caa * cbb - cab * cab
        for l in c.levels {
            XCTAssertEqual(l.a.count, 24)
            for k in 0..<24 {
                let da = l.a[k] - m.mu[1], db = l.b[k] - m.mu[4]
                let q = (cbb * da * da - 2 * cab * da * db + caa * db * db) / det
                XCTAssertEqual(q, l.level, accuracy: 1e-3 * l.level)
                XCTAssertTrue(l.converged[k]); XCTAssertFalse(l.open[k])
            }
        }
        // Lagrange: q = 0.5 p0 − p3 + 2; interval q̂ ± T·√(wᵀCw).
        let lg = r.lagrange[0]
        let w = [0.5, 0, 0, -1, 0, 0]
        var s2 = 0.0
        for i in 0..<p { for j in 0..<p { s2 += w[i] * m.cov[i * p + j] * w[j] } }
        let qhat = 0.5 * m.mu[0] - m.mu[3] + 2
        XCTAssertEqual(lg.best, qhat, accuracy: 1e-7)
        XCTAssertEqual(lg.sigma, s2.squareRoot(), accuracy: 1e-9)
        for k in lg.q.indices {
            XCTAssertEqual(lg.deltaChi2[k], pow(lg.q[k] - qhat, 2) / s2, accuracy: 1e-6)
        }
        for (t, iv) in zip([1.0, 2.0], lg.intervals) {
            XCTAssertTrue(iv.refined, "\(lg.intervals) \(lg.warnings)")
            XCTAssertEqual(try XCTUnwrap(iv.lower), qhat - t * s2.squareRoot(), accuracy: 1e-4)
            XCTAssertEqual(try XCTUnwrap(iv.upper), qhat + t * s2.squareRoot(), accuracy: 1e-4)
        }
    }

    func testBananaAndAsymmetricQuarticProfilesMatchIndependentComputation() throws {
        let m = BananaModel()
        let opts = ScanOptions(tolerances: [1, 10], ranges: ["y": ValueRange(lower: -1.5, upper: 8)], points: 33)
        let r = try ScanRunner.run(model: m, options: opts)
        XCTAssertEqual(r.minimum.chi2, 100, accuracy: 1e-8)
        // y: profile = min over x of ((x−1)/a)² + ((y−x²)/b)² (z, w stay at their best values).
        let py = r.profiles.first { $0.parameter == "y" }!
        func profY(_ y: Double) -> Double { goldenMinimum({ x in pow((x - 1) / m.a, 2) + pow((y - x * x) / m.b, 2) }, -1, 3) }
        for k in py.values.indices {
            XCTAssertEqual(py.deltaChi2[k], profY(py.values[k]), accuracy: 1e-5, "y = \(py.values[k])")
        }
        for iv in py.intervals {
            let lo = bisect({ profY($0) - iv.tolerance }, -1.5, 1), hi = bisect({ profY($0) - iv.tolerance }, 1, 8)
            XCTAssertEqual(try XCTUnwrap(iv.lower), lo, accuracy: 1e-4)
            XCTAssertEqual(try XCTUnwrap(iv.upper), hi, accuracy: 1e-4)
        }
        // z: profile = u² + u³ + u⁴ (w follows z), asymmetric interval.
        let pz = r.profiles.first { $0.parameter == "z" }!
        for iv in pz.intervals {
            let t = iv.tolerance
            let up = bisect({ $0 * $0 + $0 * $0 * $0 + pow($0, 4) - t }, 0, 5)
            let dn = bisect({ $0 * $0 + $0 * $0 * $0 + pow($0, 4) - t }, -5, 0)
            XCTAssertEqual(try XCTUnwrap(iv.upper), 0.5 + m.c * up, accuracy: 1e-4)
            XCTAssertEqual(try XCTUnwrap(iv.lower), 0.5 + m.c * dn, accuracy: 1e-4)
            XCTAssertGreaterThan(abs(dn), abs(up) * 1.05, "quartic with a cubic term must give an asymmetric interval")
        }
        // x: y follows x² along the valley, so the profile is exactly ((x−1)/a)².
        let px = r.profiles.first { $0.parameter == "x" }!
        for k in px.values.indices {
            XCTAssertEqual(px.deltaChi2[k], pow((px.values[k] - 1) / m.a, 2), accuracy: 1e-6)
            XCTAssertEqual(px.theta[k][1], px.values[k] * px.values[k], accuracy: 1e-5)
        }
        // Hessian errors differ from the profile ones for the non-quadratic parameters.
        let hz = r.hessian.sigma[2] * 10.0.squareRoot()
        let zLow = try XCTUnwrap(pz.intervals[1].lower)
        XCTAssertGreaterThan(abs((0.5 - zLow) - hz), 0.01)
    }

    func testTwoValleysProfileFlagsPointsOutsideTheDomainAndTheLowerValley() throws {
        let m = TwoValleyModel()
        let opts = ScanOptions(profileParameters: ["x"], ranges: ["x": ValueRange(lower: -4, upper: 4)], points: 29)
        let r = try ScanRunner.run(model: m, options: opts)
        XCTAssertEqual(r.minimum.chi2, 50, accuracy: 1e-6)
        XCTAssertTrue(r.minimum.domain?.inside == true)
        let px = r.profiles[0]
        for k in px.values.indices {
            XCTAssertEqual(px.inside[k], abs(px.values[k]) <= 3.5, "x = \(px.values[k])")
            // Warm-started valley profile stays in valley 1: Δχ² ≈ x².
            if abs(px.values[k]) < 3 { XCTAssertEqual(px.deltaChi2[k], px.values[k] * px.values[k], accuracy: 1e-3) }
        }
        XCTAssertTrue(px.warnings.contains { $0.contains("outside the training domain") })
        // The profile of y reaches the deeper valley (Δχ² ≈ −8 at (2, 5, 0)). Unbounded, the scan restarts from it;
        // with x bounded below 1.5 the lower point (at that bound) is flagged and reported, not followed.
        let free = try ScanRunner.run(model: m, options: ScanOptions(profileParameters: ["y"], ranges: ["y": ValueRange(lower: -1, upper: 6)],
                                                                       points: 29))
        XCTAssertEqual(free.minimum.chi2, 50 - m.depth, accuracy: 1e-3)
        XCTAssertTrue(free.notes?.first?.contains("the scan restarts from it") == true, "\(free.notes ?? [])")
        let bounded = try ScanRunner.run(model: m, options: ScanOptions(profileParameters: ["y"], bounds: ["x": ValueRange(lower: -4, upper: 1.5)],
                                                                          ranges: ["y": ValueRange(lower: -1, upper: 6)], points: 29))
        XCTAssertEqual(bounded.minimum.chi2, 50, accuracy: 1e-6)
        XCTAssertTrue(bounded.notes?.first?.contains("reported, not followed") == true, "\(bounded.notes ?? [])")
        let py = bounded.profiles[0]
        XCTAssertLessThan(py.deltaChi2.min()!, -7)
        XCTAssertTrue(py.warnings.contains { $0.contains("lower minimum") })
        XCTAssertFalse(py.inside.last!)
        // The Δχ² = 1 interval of y is closed below, and above before the jump to the other valley.
        XCTAssertEqual(try XCTUnwrap(py.intervals[0].lower), -1, accuracy: 1e-3)
        XCTAssertEqual(try XCTUnwrap(py.intervals[0].upper), 1, accuracy: 1e-3)
    }

    func testOpenIntervalWhenTheGridNeverCrosses() throws {
        let m = QuadraticModel(p: 4)
        let s = m.sigma(0)
        let r = try ScanRunner.run(model: m, options: ScanOptions(
            profileParameters: ["p0"], tolerances: [1, 25],
            ranges: ["p0": ValueRange(lower: m.mu[0] - 3 * s, upper: m.mu[0] + 3 * s)], points: 13))
        let iv = r.profiles[0].intervals
        XCTAssertNotNil(iv[0].lower); XCTAssertNotNil(iv[0].upper)
        XCTAssertNil(iv[1].lower); XCTAssertNil(iv[1].upper)
    }

    func testFixedParameterIsLeftOutOfTheHessianAndConditionsTheMinimum() throws {
        let m = QuadraticModel(p: 5)
        let v = m.mu[2] + 2 * m.sigma(2)
        let r = try ScanRunner.run(model: m, options: ScanOptions(profileParameters: [], fixed: ["p2": v]))
        XCTAssertEqual(r.hessian.parameters, ["p0", "p1", "p3", "p4"])
        XCTAssertEqual(r.minimum.theta[2], v)
        XCTAssertEqual(r.minimum.chi2 - m.chi0, 4, accuracy: 1e-8)
    }
}
