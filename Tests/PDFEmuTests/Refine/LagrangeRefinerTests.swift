import Foundation
import XCTest
@testable import PDFEmuCore
@testable import PDFEmuIO
@testable import PDFEmuAnalysis
@testable import PDFEmuLearn
import PDFEmuTestSupport

/// Refine's Lagrange ends (issue 18, item 1): q₁ where min_θ{χ²_true : q(θ) = q₁} = χ²_min + T², solved
/// as profile ends of the coordinate q and certified with the gradient projected along q = q₁.
final class LagrangeRefinerTests: XCTestCase {
    let truth = BumpedQuadratic()
    /// q = a − b + 0.5·c + 1 on `BumpedQuadratic`'s parameters (a, b, c).
    let expression = "a - b + 0.5*c + 1"
    let coefficients = [1.0, -1.0, 0.5]

    /// cᵀA⁻¹c for the truth's A (χ² = χ0 + dᵀAd): the true Lagrange profile is χ0 + (q − q₀)²/cᵀA⁻¹c.
    var lagrangeVariance: Double {
        let z = Refiner.choleskySolve(truth.a, 3, coefficients)!
        return zip(coefficients, z).reduce(0) { $0 + $1.0 * $1.1 }
    }
    var q0: Double { 1 + zip(coefficients, truth.mu).reduce(0) { $0 + $1.0 * $1.1 } }

    /// The refined result (the minimum and profile ends by `Refiner`, then the Lagrange ends) on a guide
    /// damaged by a bump near the Lagrange ends.
    func refined(gradients: RefineGradients) throws -> (RefineResult, ScanResult) {
        var guide = truth
        guide.beta = 0.6; guide.centre = [1.1, -1.4, 2.3]; guide.width = 0.5
        let s = try ScanRunner.run(model: guide, options: ScanOptions(profileParameters: [], tolerances: [1, 4], lagrangeExpressions: [expression]))
        XCTAssertEqual(s.lagrange.count, 1)
        let options = RefineOptions(budget: 4000, gradients: gradients, maxIterations: 80)
        let oracle = ModelOracle(truth, label: "truth")
        let main = try Refiner(guide: guide, scan: s, oracle: oracle, options: options).run()
        let r = try LagrangeRefiner(guide: guide, scan: s, oracle: oracle, options: options).run(after: main)
        return (r, s)
    }

    /// Every Lagrange end certified, where the truth's closed form and its exact Lagrange scan put it (to
    /// the certificate's ε + δ through the profile's slope); at each, the true gradient is parallel to ∇q
    /// (the projected decrease ≤ δ) while the gradient over the parameters other than the one q replaced is
    /// not small: a stationarity that ignored the constraint would not have stopped there.
    func testLagrangeEndsAreCertifiedOnTheTrueConstrainedMinimum() throws {
        let exact = try ScanRunner.run(model: truth, options: ScanOptions(profileParameters: [], tolerances: [1, 4], lagrangeExpressions: [expression]))
        for mode in [RefineGradients.exact, .values] {
            let (r, s) = try refined(gradients: mode)
            let ends = r.answers.filter { $0.kind == "lagrange" }
            XCTAssertEqual(ends.count, 4)
            XCTAssertEqual(r.certifiedCount, r.answers.count, "\(mode): " + r.answers.filter { $0.status != .certified }.map { "\($0.name): \($0.note)" }.joined(separator: "; "))
            var moved = 0
            for a in ends {
                let t = a.tolerance.squareRoot(), sv = lagrangeVariance.squareRoot()
                let closed = q0 + (a.side == "lower" ? -1 : 1) * t * sv
                let slope = 2 * t / sv   // dΔχ²/dq at the end
                let tol = 2 * (0.01 + 0.002) / slope
                XCTAssertEqual(a.exactValue!, closed, accuracy: tol, "\(mode) \(a.name)")
                let iv = try XCTUnwrap(exact.lagrange[0].intervals.first { $0.tolerance == a.tolerance })
                XCTAssertEqual(a.exactValue!, try XCTUnwrap(a.side == "lower" ? iv.lower : iv.upper), accuracy: tol + 1e-3, "\(mode) \(a.name) vs the exact Lagrange scan")
                // q at the end's θ is its value; the true Δχ² there is T² within ε.
                XCTAssertEqual(1 + zip(coefficients, a.theta).reduce(0) { $0 + $1.0 * $1.1 }, a.exactValue!, accuracy: 1e-9)
                XCTAssertLessThanOrEqual(abs(truth.value(at: a.theta) - truth.chi0 - a.tolerance), 0.01 + 1e-9, a.name)
                // The Lagrange condition on the truth: g − λc small in H⁻¹ (H = 2A), but g itself is not.
                let g = truth.valueAndGradient(at: a.theta).gradient
                let h = truth.a.map { 2 * $0 }
                let hg = Refiner.choleskySolve(h, 3, g)!, hc = Refiner.choleskySolve(h, 3, coefficients)!
                let gHg = zip(g, hg).reduce(0) { $0 + $1.0 * $1.1 }, cHg = zip(coefficients, hg).reduce(0) { $0 + $1.0 * $1.1 }
                let cHc = zip(coefficients, hc).reduce(0) { $0 + $1.0 * $1.1 }
                XCTAssertLessThanOrEqual(0.5 * (gHg - cHg * cHg / cHc), 0.002 + 1e-6, "\(mode) \(a.name): projected decrease")
                XCTAssertGreaterThan(0.5 * gHg, 0.1, "the end is not an unconstrained stationary point")
                if abs(a.emulatorValue! - closed) > 5 * tol { moved += 1 }
            }
            XCTAssertGreaterThan(moved, 0, "the bump must move some of the guide's Lagrange ends for the test to mean anything")
            // The refined scan carries the exact ends in place of the emulator's.
            let applied = r.applied(to: s)
            for a in ends {
                let iv = try XCTUnwrap(applied.lagrange[0].intervals.first { $0.tolerance == a.tolerance })
                XCTAssertEqual(a.side == "lower" ? iv.lower : iv.upper, a.exactValue)
            }
        }
    }

    /// The coordinates: θ → y → θ, and the model's y-gradient and y-Hessian agree with central differences.
    func testCoordinatesTransformValueGradientAndHessian() throws {
        let e = try LinearExpression(parsing: expression, parameterNames: truth.parameterNames)
        let c = try LagrangeCoordinates(expression: e, name: "q0", parameterNames: truth.parameterNames,
                                        constraints: [.free, .free, .free], sigma: [1, 1, 1])
        XCTAssertEqual(c.names[c.k], "q0")
        var bumped = truth
        bumped.beta = 0.7; bumped.centre = [0.4, -0.7, 2.2]
        let m = RefineCoordinateModel(base: bumped, coordinates: c)
        let theta = [0.7, -0.9, 2.4]
        let y = c.y(theta)
        XCTAssertEqual(y[c.k], 1 + zip(coefficients, theta).reduce(0) { $0 + $1.0 * $1.1 }, accuracy: 1e-12)
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
        // The oracle in y: the truth's values, and its gradient transformed as the model's.
        let o = RefineCoordinateOracle(inner: ModelOracle(bumped, label: "b"), coordinates: c)
        let r = try o.evaluate(try OraclePoints(parameterNames: c.names, values: y), gradients: true)
        XCTAssertEqual(r.chi2[0], m.value(at: y), accuracy: 1e-9)
        XCTAssertEqual(r.gradientNames, c.names)
        for i in 0..<3 { XCTAssertEqual(r.gradient(row: 0)![i], g[i], accuracy: 1e-9) }
    }

    /// A Lagrange scan of a second model's value is reported open with the reason; nothing is evaluated for it.
    func testSecondModelQuantityIsOpenWithTheReason() throws {
        var other = truth
        other.beta = 5; other.centre = [1.5, -1, 2]
        let s = try ScanRunner.run(model: truth, options: ScanOptions(profileParameters: [], tolerances: [1]),
                                   lagrangeModels: [LagrangeModel(label: "other", model: other, identity: "x")])
        let oracle = ModelOracle(truth, label: "truth")
        let main = try Refiner(guide: truth, scan: s, oracle: oracle, options: RefineOptions(budget: 500)).run()
        let r = try LagrangeRefiner(guide: truth, scan: s, oracle: oracle, options: RefineOptions(budget: 500)).run(after: main)
        let ends = r.answers.filter { $0.kind == "lagrange" }
        XCTAssertEqual(ends.count, 2)
        XCTAssertTrue(ends.allSatisfy { $0.status == .open && $0.note.contains("second model") }, "\(ends.map(\.note))")
        XCTAssertEqual(r.evaluations, main.evaluations)
    }

    /// The budget is shared: what the minimum and the profile ends spent is not spent again, and the total
    /// never passes it; a resumed run (the same state) asks for no point again.
    func testBudgetIsSharedAndResumeRepeatsNothing() throws {
        var guide = truth
        guide.beta = 0.6; guide.centre = [1.1, -1.4, 2.3]; guide.width = 0.5
        let s = try ScanRunner.run(model: guide, options: ScanOptions(tolerances: [1], lagrangeExpressions: [expression]))
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        func once() throws -> RefineResult {
            let options = RefineOptions(budget: 95)
            let oracle = ModelOracle(truth, label: "truth")
            let main = try Refiner(guide: guide, scan: s, oracle: oracle, options: options)
                .run(store: try RefineStore(directory: dir.path("state"), parameterNames: truth.parameterNames, identity: "run\n"))
            return try LagrangeRefiner(guide: guide, scan: s, oracle: oracle, options: options).run(after: main, store: { name, names in
                try RefineStore(directory: dir.path("state/lagrange_" + name), parameterNames: names, identity: "run \(name)\n")
            })
        }
        let first = try once()
        XCTAssertLessThanOrEqual(first.evaluations, 95)
        XCTAssertEqual(first.answers.filter { $0.kind == "lagrange" }.count, 2)
        XCTAssertTrue(first.answers.contains { $0.kind == "lagrange" && $0.status == .notCertified && $0.note.contains("budget") })
        let second = try once()
        XCTAssertEqual(second.evaluations, 0)
        XCTAssertEqual(second.reused, first.evaluations)
        // The same answers (NaN fields of the ends the budget left compare unequal: compared as text).
        XCTAssertEqual(second.answers.map { "\($0)" }, first.answers.map { "\($0)" })
        XCTAssertTrue(first.answers.contains { $0.note == "the budget of 95 evaluations is spent" }, "the note names the whole budget")
    }
}
