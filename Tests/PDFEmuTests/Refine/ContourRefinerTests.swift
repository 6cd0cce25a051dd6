import Foundation
import XCTest
@testable import PDFEmuCore
@testable import PDFEmuIO
@testable import PDFEmuAnalysis
@testable import PDFEmuLearn
import PDFEmuTestSupport

/// Refine's contour vertices on request (issue 18, item 1): K rays from the true minimum in a pair's
/// plane, each vertex where the profiled true Δχ² is the level, certified as a profile end of the ray's
/// coordinate.
final class ContourRefinerTests: XCTestCase {
    let truth = BumpedQuadratic()

    /// On the damaged guide every vertex is certified where the truth's closed form puts it: for
    /// χ² = χ0 + dᵀAd the profile over (a, b) is x_abᵀ(Σ_ab)⁻¹x_ab with Σ = A⁻¹, so the vertex along
    /// direction u = (σ_a cos φ, σ_b sin φ) is at r = √(T²/uᵀΣ_ab⁻¹u); the gradient there over the other
    /// parameter is zero (the profile's condition), and the vertex lies on its ray.
    func testVerticesAreCertifiedOnTheTrueProfiledContour() throws {
        var guide = truth
        guide.beta = 1.0; guide.centre = [0.9, -0.6, 2.3]; guide.width = 0.5
        let s = try ScanRunner.run(model: guide, options: ScanOptions(profileParameters: [], tolerances: [1], contours: [["a", "b"]],
                                                                      levels: [2.30, 6.18]))
        let oracle = ModelOracle(truth, label: "truth")
        let options = RefineOptions(budget: 4000, gradients: .exact, maxIterations: 80)
        let main = try Refiner(guide: guide, scan: s, oracle: oracle, options: options).run()
        let r = try ContourRefiner(guide: guide, scan: s, oracle: oracle, options: options, vertices: 8).run(after: main)
        let vertices = r.answers.filter { $0.kind == "contour" }
        XCTAssertEqual(vertices.count, 2 * 8)
        XCTAssertEqual(vertices.map(\.name).prefix(3), ["contour/a__b T2=2.3 ray 0", "contour/a__b T2=2.3 ray 1", "contour/a__b T2=2.3 ray 2"])
        XCTAssertEqual(r.certifiedCount, r.answers.count, r.answers.filter { $0.status != .certified }.map { "\($0.name): \($0.note)" }.joined(separator: "; "))
        // Σ_ab: the (a, b) block of A⁻¹.
        let col0 = Refiner.choleskySolve(truth.a, 3, [1, 0, 0])!, col1 = Refiner.choleskySolve(truth.a, 3, [0, 1, 0])!
        let (s00, s01, s11) = (col0[0], col0[1], col1[1])
        let det = s00 * s11 - s01 * s01
        let sa = try XCTUnwrap(s.hessian.sigma(ofParameter: 0)), sb = try XCTUnwrap(s.hessian.sigma(ofParameter: 1))
        let centre = main.answers[0].theta
        var moved = 0
        for v in vertices {
            let k = Int(v.side!.dropFirst(4))!
            let phi = 2 * Double.pi * Double(k) / 8
            let u = (sa * cos(phi), sb * sin(phi))
            // x(t) = w + t·u from the refined minimum (w = its offset from μ in (a, b)); the true Δχ² from the
            // refined χ²_min is x(t)ᵀΣ_ab⁻¹x(t) − (χ²_min − χ0) = T²: the positive root.
            func form(_ x: (Double, Double), _ y: (Double, Double)) -> Double { (s11 * x.0 * y.0 - s01 * (x.0 * y.1 + x.1 * y.0) + s00 * x.1 * y.1) / det }
            let w = (centre[0] - truth.mu[0], centre[1] - truth.mu[1])
            let q = form(u, u), lin = form(u, w), c0 = form(w, w) - v.tolerance - (main.answers[0].trueChi2 - truth.chi0)
            let closed = (-lin + (lin * lin - q * c0).squareRoot()) / q
            let tol = 2 * (0.01 + 0.002) / (2 * v.tolerance.squareRoot() * q.squareRoot())
            XCTAssertEqual(try XCTUnwrap(v.exactValue), closed, accuracy: tol, v.name)
            // On the ray from the refined minimum: (θ_a − a₀, θ_b − b₀) ∥ u, on its side.
            let da = v.theta[0] - centre[0], db = v.theta[1] - centre[1]
            XCTAssertEqual(da * u.1 - db * u.0, 0, accuracy: 1e-9, v.name)
            XCTAssertGreaterThan(da * u.0 + db * u.1, 0, v.name)
            // The truth's Δχ² there is the level within ε; the nuisance c is at its constrained minimum.
            XCTAssertEqual(truth.value(at: v.theta) - truth.chi0, v.tolerance, accuracy: 0.01 + 0.002, v.name)
            let g = truth.valueAndGradient(at: v.theta).gradient
            XCTAssertLessThan(g[2] * g[2] / (4 * truth.a[8]), 0.002 + 1e-6, v.name)
            if abs(v.emulatorValue! - closed) > 3 * tol { moved += 1 }
        }
        XCTAssertGreaterThan(moved, 0, "the bump must move some of the guide's vertices for the test to mean anything")
    }

    /// K odd or below 2: one error naming the setting, before anything is evaluated.
    func testOddVertexCountIsAnError() throws {
        let s = try ScanRunner.run(model: truth, options: ScanOptions(profileParameters: [], contours: [["a", "b"]], levels: [2.30]))
        for k in [0, 3] {
            XCTAssertThrowsError(try ContourRefiner(guide: truth, scan: s, oracle: ModelOracle(truth, label: "t"), vertices: k)) { e in
                XCTAssertEqual((e as? SettingError)?.setting, .refineContourVertices)
            }
        }
    }

    /// The ray coordinates: θ → y → θ, and the model's y-gradient and y-Hessian agree with central differences.
    func testRayCoordinatesTransformValueGradientAndHessian() throws {
        let c = RayCoordinates(a: 0, b: 2, theta0: [0.4, -1, 2.1], sigmaA: 0.7, sigmaB: 1.3, angle: 2.2, parameterNames: truth.parameterNames)
        var bumped = truth
        bumped.beta = 0.7; bumped.centre = [0.4, -0.7, 2.2]
        let m = RefineCoordinateModel(base: bumped, coordinates: c)
        let theta = [0.7, -0.9, 2.4]
        let y = c.y(theta)
        for (u, v) in zip(c.theta(y), theta) { XCTAssertEqual(u, v, accuracy: 1e-12) }
        let (_, g, h) = m.valueGradientHessian(at: y)
        let step = 1e-5
        for i in 0..<3 {
            var yp = y, ym = y
            yp[i] += step; ym[i] -= step
            XCTAssertEqual(g[i], (m.value(at: yp) - m.value(at: ym)) / (2 * step), accuracy: 1e-5)
            let gp = m.valueAndGradient(at: yp).gradient, gm = m.valueAndGradient(at: ym).gradient
            for j in 0..<3 { XCTAssertEqual(h[j * 3 + i], (gp[j] - gm[j]) / (2 * step), accuracy: 1e-4, "H[\(j),\(i)]") }
        }
    }
}
