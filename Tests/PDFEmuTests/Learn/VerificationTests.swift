import Foundation
import XCTest
@testable import PDFEmuCore
@testable import PDFEmuAnalysis
@testable import PDFEmuLearn
@testable import PDFEmuReport
import PDFEmuTestSupport

/// A model with a Gaussian bump of height `height` added at `centre` (width `width` in each parameter's
/// own units): a deliberately damaged emulator of `base`.
struct BumpedModel: ScalarModel {
    func predictBatch(_ points: [Double]) -> BatchPrediction { pointwiseBatch(points) }
    let base: any ScalarModel
    let centre: [Double]
    let width: [Double]
    let height: Double
    var parameterNames: [String] { base.parameterNames }
    var experimentNames: [String] { base.experimentNames }
    var startingPoints: [[Double]] { base.startingPoints }
    var trainingRegion: (any TrainingRegion)? { base.trainingRegion }
    func bump(_ t: [Double]) -> (b: Double, g: [Double], h: [Double]) {
        let p = t.count
        let z = (0..<p).map { (t[$0] - centre[$0]) / width[$0] }
        let b = height * exp(-0.5 * z.reduce(0) { $0 + $1 * $1 })
        let g = (0..<p).map { -b * z[$0] / width[$0] }
        var h = [Double](repeating: 0, count: p * p)
        for i in 0..<p { for j in 0..<p {
            h[i * p + j] = b * (z[i] * z[j] - (i == j ? 1 : 0)) / (width[i] * width[j])
        } }
        return (b, g, h)
    }
    func value(at t: [Double]) -> Double { base.value(at: t) + bump(t).b }
    func valueAndGradient(at t: [Double]) -> (value: Double, gradient: [Double]) {
        let r = base.valueAndGradient(at: t), b = bump(t)
        return (r.value + b.b, zip(r.gradient, b.g).map { $0 + $1 })
    }
    func valueGradientHessian(at t: [Double]) -> (value: Double, gradient: [Double], hessian: [Double]) {
        let r = base.valueGradientHessian(at: t), b = bump(t)
        return (r.value + b.b, zip(r.gradient, b.g).map { $0 + $1 }, zip(r.hessian, b.h).map { $0 + $1 })
    }
    func prediction(at t: [Double]) -> Prediction { var p = base.prediction(at: t); p.value += bump(t).b; return p }
}

final class VerificationTests: XCTestCase {
    /// The true error of every answer, computed from the two models directly (not from the verification's
    /// numbers): |Δχ²_damaged − Δχ²_exact| at each verified point, Δ relative to the damaged model's minimum.
    func trueErrors(_ v: Verification, damaged: any ScalarModel, exact: any ScalarModel, minimum: [Double]) -> [Double] {
        let d0 = damaged.value(at: minimum), e0 = exact.value(at: minimum)
        return v.answers.indices.map { a in
            if v.answers[a].kind == "minimum" { return abs(d0 - e0) }
            let pts = v.points.filter { $0.answer == a }
            return pts.map { abs((damaged.value(at: $0.theta) - d0) - (exact.value(at: $0.theta) - e0)) }.max() ?? .nan
        }
    }

    /// The guarantee: whatever the damage, no answer is certified whose true error exceeds ε, and an
    /// answer whose true error is well inside ε is certified.
    func checkGuarantee(exact: any ScalarModel, oracle: any ChiSquareOracle, params: [String], tolerances: [Double],
                        bumpAt parameter: String, heights: [Double], points: Int = 11, lagrange: [String] = []) throws {
        var o = ScanOptions(profileParameters: params, tolerances: tolerances)
        o.points = points
        o.lagrangeExpressions = lagrange
        let clean = try ScanRunner.run(model: exact, options: o)
        let pr = try XCTUnwrap(clean.profiles.first { $0.parameter == parameter })
        // Centre the bump on the profiled point at the upper T² = 1 end of `parameter`.
        let end = try XCTUnwrap(pr.intervals[0].upper)
        let centre = VerificationPlan.profiled(Minimiser(model: exact), scan: clean, profile: pr, at: end).theta
        let sigma = exact.parameterNames.indices.map { clean.hessian.sigma(ofParameter: $0) ?? 1 }
        var uncertifiedSeen = false
        for h in heights {
            let damaged = BumpedModel(base: exact, centre: centre, width: sigma.map { 0.4 * $0 }, height: h)
            let scan = try ScanRunner.run(model: damaged, options: o)
            var recorded = 0
            let v = try Verification.run(model: damaged, scan: scan, scanOptions: o, oracle: oracle) { pts, _ in recorded += pts.count }
            XCTAssertEqual(recorded, v.points.count, "every evaluated point is handed to record")
            let errors = trueErrors(v, damaged: damaged, exact: exact, minimum: scan.minimum.theta)
            for (a, ans) in v.answers.enumerated() {
                if ans.certified {
                    XCTAssertLessThanOrEqual(errors[a], ans.epsilon, "h = \(h): \(ans.name) certified with true error \(errors[a]) > ε \(ans.epsilon)")
                }
                if ans.note.isEmpty, errors[a] < 0.5 * ans.epsilon {
                    XCTAssertTrue(ans.certified, "h = \(h): \(ans.name) has true error \(errors[a]) ≪ ε but is not certified")
                }
                if ans.kind != "minimum", ans.note.isEmpty { XCTAssertEqual(ans.error, errors[a], accuracy: 1e-6 * max(1, errors[a])) }
                if !ans.certified { uncertifiedSeen = true }
            }
            if h >= 0.3 {
                let hit = try XCTUnwrap(v.answers.first { $0.name == "profile/\(parameter) T2=1 upper" })
                XCTAssertFalse(hit.certified, "h = \(h): the bumped end must not be certified (error \(hit.error))")
            }
            if !lagrange.isEmpty { XCTAssertEqual(v.answers.filter { $0.kind == "lagrange" && $0.note.isEmpty }.count, 2 * tolerances.count) }
            if h == 0 { XCTAssertTrue(v.answers.filter { $0.note.isEmpty }.allSatisfy(\.certified), "an exact model verifies itself") }
        }
        XCTAssertTrue(uncertifiedSeen, "the damage was never detected")
    }

    func testDamagedAnalyticEmulatorIsNeverCertifiedBeyondEpsilon() throws {
        let exact = QuadraticModel(p: 4, quartic: 0.05)
        try checkGuarantee(exact: exact, oracle: ModelOracle(exact, label: "exact"), params: ["p0", "p1", "p2"],
                           tolerances: [1, 10], bumpAt: "p0", heights: [0, 0.005, 0.02, 0.05, 0.3, 1], lagrange: ["p0 + 0.5*p1"])
    }

    func testDamagedTheoryIsNeverCertifiedBeyondEpsilon() throws {
        let theory = Theory.chi2
        let oracle = TheoryOracle(theory, theorySHA256: "test")
        // Profile one parameter of the 14 free ones; the oracle is the built-in exact theory.
        try checkGuarantee(exact: theory, oracle: oracle, params: ["Bg"], tolerances: [1, 10], bumpAt: "Bg",
                           heights: [0, 0.05, 0.5])
    }

    func testMCMCReweightingAndHDF5RoundTrip() throws {
        let exact = QuadraticModel(p: 3)
        var o = ScanOptions(profileParameters: ["p0"], tolerances: [1])
        o.points = 11
        o.contours = [["p0", "p1"]]; o.rays = 8
        o.mcmc = ScanMCMCOptions(chains: 1, walkers: 16, steps: 200, burnIn: 100, seed: 3)
        // Damage: the emulated χ² moved by 0.5σ along p0, so the sampled mean of p0 is 0.5σ off the true one.
        let tilted = ShiftedModel(base: exact, shift: [0.5 * exact.sigma(0), 0, 0], offset: 0)
        for (model, expectCertified) in [(exact as any ScalarModel, true), (tilted, false)] {
            let scan = try ScanRunner.run(model: model, options: o)
            let v = try Verification.run(model: model, scan: scan, scanOptions: o, oracle: ModelOracle(exact, label: "exact"),
                                         options: VerificationOptions(mcmcSamples: 200))
            let m = try XCTUnwrap(v.mcmc)
            let mc = try XCTUnwrap(v.answers.first { $0.kind == "mcmc" })
            XCTAssertEqual(m.weights.count, 200)
            XCTAssertEqual(m.weights.reduce(0, +), 1, accuracy: 1e-9)
            XCTAssertEqual(mc.certified, expectCertified, "MCMC answer: shift \(mc.error) σ, ESS \(m.effectiveSampleSize)")
            if expectCertified { XCTAssertEqual(m.effectiveSampleSize, 200, accuracy: 1e-6) } else {
                // Reweighting moves the mean of p0 back towards the exact minimum.
                XCTAssertLessThan(abs(m.reweightedMean[0] - exact.mu[0]), abs(m.mean[0] - exact.mu[0]))
            }
            XCTAssertTrue(v.answers.contains { $0.kind == "contour" })
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            try scan.write(to: dir.path("s.h5")) { try v.write(into: $0) }
            XCTAssertEqual(try Verification.read(dir.path("s.h5")), v)
            XCTAssertEqual(try ScanResult.read(dir.path("s.h5")).profiles.count, 1)
            XCTAssertTrue(v.text().contains("\(v.certifiedCount) of \(v.answers.count) answers certified"))
        }
    }

    func testOracleFailureKeepsEvaluatedRowsAndSaysSo() throws {
        let exact = QuadraticModel(p: 2)
        let o = ScanOptions(profileParameters: ["p0"], tolerances: [1])
        let scan = try ScanRunner.run(model: exact, options: o)
        let failing = try CommandOracle("false {input} {output}")
        XCTAssertThrowsError(try Verification.run(model: exact, scan: scan, scanOptions: o, oracle: failing)) { error in
            XCTAssertEqual((error as? SettingError)?.setting, .verifyOracle, userMessage(error))
            XCTAssertTrue(userMessage(error).hasPrefix("verify.oracle: oracle "), userMessage(error))
        }
    }
}
