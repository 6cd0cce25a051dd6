import XCTest
@testable import PDFEmuCore
@testable import PDFEmuAnalysis
@testable import PDFEmuReport
import PDFEmuTestSupport

/// χ² = χ²_A + χ²_B with χ²_A = (θ₀ − a)²/sa² and χ²_B = (θ₀ − b)²/sb² + (θ₁ − θ₀/2)²: A prefers θ₀ = a,
/// B prefers θ₀ = b, so along X = θ₀ they pull in opposite directions with known Δχ²_E.
private struct TwoPullModel: ScalarModel {
    func predictBatch(_ points: [Double]) -> BatchPrediction { pointwiseBatch(points) }
    let a = 0.0, b = 1.0, sa = 1.0, sb = 2.0
    var parameterNames: [String] { ["t0", "t1"] }
    var experimentNames: [String] { ["A", "B"] }
    var startingPoints: [[Double]] { [[0.5, 0.1]] }
    func parts(_ t: [Double]) -> (Double, Double) {
        let u = t[1] - 0.5 * t[0]
        return (pow((t[0] - a) / sa, 2), pow((t[0] - b) / sb, 2) + u * u)
    }
    func value(at t: [Double]) -> Double { let (x, y) = parts(t); return x + y }
    func valueAndGradient(at t: [Double]) -> (value: Double, gradient: [Double]) {
        let r = valueGradientHessian(at: t); return (r.value, r.gradient)
    }
    func valueGradientHessian(at t: [Double]) -> (value: Double, gradient: [Double], hessian: [Double]) {
        let u = t[1] - 0.5 * t[0]
        let g0 = 2 * (t[0] - a) / (sa * sa) + 2 * (t[0] - b) / (sb * sb) - u
        let g1 = 2 * u
        let h00 = 2 / (sa * sa) + 2 / (sb * sb) + 0.5
        return (value(at: t), [g0, g1], [h00, -1, -1, 2])
    }
    func prediction(at t: [Double]) -> Prediction {
        let (x, y) = parts(t)
        return Prediction(value: x + y, spread: 0, perExperiment: [x, y])
    }
}

final class L2SensitivityTests: XCTestCase {
    /// QuadraticModel: its experiments share the quadratic part 1:3, so at X₀ ± T·σ (where Δχ² = T² for a
    /// linear X on a quadratic χ²) Δχ²_A = T²/4 and Δχ²_B = 3T²/4 on both sides; λ = ∓2T/σ.
    func testQuadraticModelSharesOneToThree() throws {
        let model = QuadraticModel(p: 3, seed: 11)
        for t2 in [1.0, 4.0] {
            let q = DerivedQuantity.linear(try LinearExpression(parsing: "p0 - 0.5*p2", parameterNames: model.parameterNames))
            let r = try L2Sensitivity.compute(model: model, quantity: q, tolerance: t2)
            let c = model.cov, p = model.p
            let g = [1.0, 0, -0.5]
            var s2 = 0.0
            for i in 0..<p { for j in 0..<p { s2 += g[i] * c[i * p + j] * g[j] } }
            let sigma = s2.squareRoot(), t = t2.squareRoot()
            XCTAssertEqual(r.sigma, sigma, accuracy: 1e-9 * sigma)
            XCTAssertEqual(r.central, model.mu[0] - 0.5 * model.mu[2], accuracy: 1e-7)
            for e in [r.plus, r.minus] {
                let s = Double(e.sign)
                XCTAssertNil(e.openReason)
                XCTAssertEqual(try XCTUnwrap(e.value), r.central + s * t * sigma, accuracy: 1e-5 * sigma)
                XCTAssertEqual(try XCTUnwrap(e.deltaChi2), t2, accuracy: 1e-4 * t2)
                XCTAssertEqual(e.perExperiment[0], 0.25 * t2, accuracy: 1e-4 * t2)
                XCTAssertEqual(e.perExperiment[1], 0.75 * t2, accuracy: 1e-4 * t2)
                XCTAssertEqual(try XCTUnwrap(e.lambda), -s * 2 * t / sigma, accuracy: 1e-3 * t / sigma)
            }
            for v in r.pull { XCTAssertEqual(v, 0, accuracy: 1e-4 * t2) }
        }
    }

    /// Opposite pulls: X = t0, minimum X₀ = (a/sa² + b/sb²)/(1/sa² + 1/sb²), σ² = 1/(1/sa² + 1/sb²), and along
    /// the path t1 = t0/2, so Δχ²_A(X) = ((X − a)² − (X₀ − a)²)/sa², Δχ²_B(X) = ((X − b)² − (X₀ − b)²)/sb².
    func testOppositePullsMatchAnalyticValues() throws {
        let model = TwoPullModel()
        let q = DerivedQuantity.linear(try LinearExpression(parsing: "t0", parameterNames: model.parameterNames))
        let t2 = 2.0
        let r = try L2Sensitivity.compute(model: model, quantity: q, tolerance: t2)
        let w = 1 / (model.sa * model.sa) + 1 / (model.sb * model.sb)
        let x0 = (model.a / (model.sa * model.sa) + model.b / (model.sb * model.sb)) / w
        let sigma = (1 / w).squareRoot()
        XCTAssertEqual(r.central, x0, accuracy: 1e-8)
        XCTAssertEqual(r.sigma, sigma, accuracy: 1e-8)
        for e in [r.plus, r.minus] {
            let x = x0 + Double(e.sign) * t2.squareRoot() * sigma
            let da = (pow(x - model.a, 2) - pow(x0 - model.a, 2)) / (model.sa * model.sa)
            let db = (pow(x - model.b, 2) - pow(x0 - model.b, 2)) / (model.sb * model.sb)
            XCTAssertEqual(e.perExperiment[0], da, accuracy: 1e-5)
            XCTAssertEqual(e.perExperiment[1], db, accuracy: 1e-5)
            XCTAssertEqual(try XCTUnwrap(e.deltaChi2), t2, accuracy: 1e-5)
        }
        // A (which prefers a < X₀) pulls X down, B (b > X₀) pulls it up.
        XCTAssertGreaterThan(r.pull[0], 0)
        XCTAssertLessThan(r.pull[1], 0)
        XCTAssertEqual(r.pull[0], 4 * t2.squareRoot() * sigma * (x0 - model.a) / (model.sa * model.sa), accuracy: 1e-5)
        let text = r.text()
        XCTAssertTrue(text.contains("down") && text.contains("up"), text)
        let svg = try L2Report.figure(r).svg()
        XCTAssertTrue(svg.contains(">A<") && svg.contains(">B<"), "category labels")
    }

    func testBadInput() throws {
        let model = QuadraticModel(p: 2)
        let q = DerivedQuantity.linear(try LinearExpression(parsing: "p0", parameterNames: model.parameterNames))
        XCTAssertThrowsError(try L2Sensitivity.compute(model: model, quantity: q, tolerance: 0)) { XCTAssertEqual($0 as? SettingError, SettingError(.eigenTolerance, "T² must be > 0, got 0.0")) }
        XCTAssertThrowsError(try L2Sensitivity.compute(model: BananaModel(), quantity: .linear(try LinearExpression(parsing: "x", parameterNames: ["x", "y", "z", "w"])),
                                                       tolerance: 1)) { XCTAssertTrue("\($0)".contains("no per-experiment outputs"), "\($0)") }
        let constant = DerivedQuantity.linear(try LinearExpression(parsing: "2", parameterNames: model.parameterNames))
        XCTAssertThrowsError(try L2Sensitivity.compute(model: model, quantity: constant, tolerance: 1)) { XCTAssertTrue("\($0)".contains("Hessian error")) }
    }

    /// The command on the theory: a table with every experiment, the bar chart, and one error line for bad input.
    func testL2CommandOnTheory() throws {
        let theory = packageRoot.appendingPathComponent("Datasets/hera_fk_nlo.h5").path
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let run = try PDFEmuExecutable.run(["l2", "--theory", theory, "--quantity", "Buv - Bdv", "--tolerance", "4", "--plot", dir.path("plots"), "--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let dec = JSONDecoder()
        dec.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let r = try dec.decode(L2Result.self, from: Data(run.stdout.utf8))
        XCTAssertEqual(r.experimentNames.count, 7)
        for e in [r.plus, r.minus] {
            XCTAssertEqual(try XCTUnwrap(e.value), r.central + Double(e.sign) * 2 * r.sigma, accuracy: 1e-4 * r.sigma)
            XCTAssertEqual(e.perExperiment.count, 7)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.path("plots/l2_sensitivities.svg")))
        let cases: [([String], String)] = [
            (["l2", "--theory", theory, "--plot", dir.path("p2")], "--quantity"),
            (["l2", "--theory", theory, "--quantity", "Bzz", "--plot", dir.path("p2")], "Bzz"),
            (["l2", "--theory", theory, "--quantity", "Bg", "--tolerance=-1", "--plot", dir.path("p2")], "--tolerance"),
        ]
        for (args, needle) in cases {
            try PDFEmuExecutable.expectOneLineError(args, containing: needle, absent: [dir.path("p2")])
        }
    }
}
