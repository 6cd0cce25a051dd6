import XCTest
@testable import PDFEmuCore
@testable import PDFEmuIO
@testable import PDFEmuAnalysis
@testable import PDFEmuLearn
import PDFEmuTestSupport

/// χ² = χ0 + (θ−μ)ᵀA(θ−μ) + β·exp(−|θ − c|²/(2w²)) over three parameters: with β = 0 the truth (profile
/// ends of parameter k at T²: μ_k ± √(T²·(A⁻¹)_kk)), with β ≠ 0 a damaged emulator-like guide.
/// Every certified profile end of `r` lies, on `truth`, where the true profile (the truth minimised over the
/// nuisance parameters at the end's value) is χ²_min + T² within ε + δ (0.01 + 0.002).
func assertCertifiedEndsOnTheTruth(_ r: RefineResult, truth: BumpedQuadratic, label: String,
                                   file: StaticString = #filePath, line: UInt = #line) {
    for a in r.answers where a.status == .certified && a.kind == "profile" {
        let k = truth.parameterNames.firstIndex(of: a.parameter!)!
        var cons = [ParameterConstraint](repeating: .free, count: truth.parameterNames.count)
        cons[k] = .fixed(a.exactValue!)
        let profiled = Minimiser(model: truth).minimise(from: a.theta, constraints: cons).value
        XCTAssertLessThanOrEqual(abs(profiled - truth.chi0 - a.tolerance), 0.01 + 0.002 + 1e-6, "\(label): \(a.name)", file: file, line: line)
    }
}

struct BumpedQuadratic: ScalarModel {
    let parameterNames = ["a", "b", "c"]
    let experimentNames: [String] = []
    let mu = [0.5, -1.0, 2.0]
    /// Positive definite, correlated.
    let a: [Double] = [4.0, 1.2, 0.4,
                       1.2, 2.0, 0.6,
                       0.4, 0.6, 1.0]
    let chi0 = 100.0
    var beta = 0.0
    var centre = [0.0, 0.0, 0.0]
    var width = 1.0

    func valueGradientHessian(at t: [Double]) -> (value: Double, gradient: [Double], hessian: [Double]) {
        let d = (0..<3).map { t[$0] - mu[$0] }
        var v = chi0, g = [Double](repeating: 0, count: 3), h = [Double](repeating: 0, count: 9)
        for i in 0..<3 { for j in 0..<3 { v += d[i] * a[i * 3 + j] * d[j]; g[i] += 2 * a[i * 3 + j] * d[j]; h[i * 3 + j] = 2 * a[i * 3 + j] } }
        if beta != 0 {
            let u = (0..<3).map { t[$0] - centre[$0] }
            let r2 = u.reduce(0) { $0 + $1 * $1 }
            let b = beta * exp(-r2 / (2 * width * width)), w2 = width * width
            v += b
            for i in 0..<3 {
                g[i] += -b * u[i] / w2
                for j in 0..<3 { h[i * 3 + j] += b * (u[i] * u[j] / (w2 * w2) - (i == j ? 1 / w2 : 0)) }
            }
        }
        return (v, g, h)
    }
    func value(at t: [Double]) -> Double { valueGradientHessian(at: t).value }
    func valueAndGradient(at t: [Double]) -> (value: Double, gradient: [Double]) { let r = valueGradientHessian(at: t); return (r.value, r.gradient) }
    func prediction(at t: [Double]) -> Prediction { Prediction(value: value(at: t), spread: 0, perExperiment: []) }
    var startingPoints: [[Double]] { [mu.map { $0 + 0.1 }] }

    /// (A⁻¹)_kk.
    func inverseDiagonal(_ k: Int) -> Double {
        let m = Matrix(square: a, n: 3)
        let inv = try! XCTUnwrap(Refiner.choleskySolve(m.values, 3, (0..<3).map { $0 == k ? 1 : 0 }))
        return inv[k]
    }
}

/// The truth as an oracle that gives no gradient (values only) or a wrong one.
struct ValuesOnlyOracle: ChiSquareOracle {
    let model: any ScalarModel
    var gradientScale: Double? = nil
    var label: String { "values-only" }
    var parameterNames: [String]? { model.parameterNames }
    func evaluate(_ points: OraclePoints) throws(OracleError) -> OracleResult {
        try ModelOracle(model, label: label).evaluate(points)
    }
    func evaluate(_ points: OraclePoints, gradients: Bool) throws(OracleError) -> OracleResult {
        guard let s = gradientScale, gradients else { return try evaluate(points) }
        var r = try ModelOracle(model, label: label).evaluate(points, gradients: true)
        try r.setGradient(r.gradient!.map { $0 * s }, names: r.gradientNames)
        return r
    }
}

final class RefinerTests: XCTestCase {
    let truth = BumpedQuadratic()

    func scan(of guide: any ScalarModel, tolerances: [Double] = [1, 4]) throws -> ScanResult {
        try ScanRunner.run(model: guide, options: ScanOptions(tolerances: tolerances))
    }

    func exactEnd(_ k: Int, _ t2: Double, _ side: String) -> Double {
        truth.mu[k] + (side == "lower" ? -1 : 1) * (t2 * truth.inverseDiagonal(k)).squareRoot()
    }

    /// A guide damaged by a smooth bump: refine certifies every end, and each lies within ε of the closed form.
    func testDamagedGuideEndsAreCertifiedWithinEpsilon() throws {
        var guide = truth
        guide.beta = 0.6; guide.centre = [0.9, -0.6, 2.3]; guide.width = 0.5
        let s = try scan(of: guide)
        for mode in [RefineGradients.values, .exact] {
            let refiner = try Refiner(guide: guide, scan: s, oracle: ModelOracle(truth, label: "truth"),
                                      options: RefineOptions(budget: 3000, gradients: mode, maxIterations: 60))
            let r = try refiner.run()
            XCTAssertEqual(r.answers.count, 1 + 3 * 2 * 2)
            XCTAssertEqual(r.certifiedCount, r.answers.count, "\(mode): " + r.answers.filter { $0.status != .certified }.map { "\($0.name): \($0.note)" }.joined(separator: "; "))
            XCTAssertEqual(r.answers[0].trueChi2, truth.chi0, accuracy: 0.002)
            var moved = 0
            for a in r.answers where a.kind == "profile" {
                let k = truth.parameterNames.firstIndex(of: a.parameter!)!
                let exact = exactEnd(k, a.tolerance, a.side!)
                // Δχ² error ≤ ε + δ of the certificate, in parameter units through the profile's slope 2T/σ.
                let sigma = truth.inverseDiagonal(k).squareRoot()
                let slope = 2 * a.tolerance.squareRoot() / sigma
                XCTAssertEqual(a.exactValue!, exact, accuracy: 2 * (0.01 + 0.002) / slope, "\(mode) \(a.name)")
                if abs(a.emulatorValue! - exact) > 0.05 * sigma { moved += 1 }
            }
            XCTAssertGreaterThan(moved, 0, "the bump must damage some of the guide's ends for the test to mean anything")
            if mode == .exact { XCTAssertLessThan(r.evaluations, 200) }
        }
    }

    /// A bump that pulls the guide's nuisance point away from the true constrained minimum: no answer is
    /// certified with a true error above ε (the true Δχ² at the certified point, from the truth directly).
    func testNeverCertifiedWithTrueErrorAboveEpsilon() throws {
        for (beta, centre) in [(-1.5, [0.5, -0.2, 2.0]), (2.0, [1.0, -1.0, 1.2]), (-0.8, [0.0, -1.5, 2.8])] {
            var guide = truth
            guide.beta = beta; guide.centre = centre; guide.width = 0.4
            let s = try scan(of: guide)
            let r = try Refiner(guide: guide, scan: s, oracle: ModelOracle(truth, label: "truth"),
                                options: RefineOptions(budget: 1500, maxIterations: 30)).run()
            assertCertifiedEndsOnTheTruth(r, truth: truth, label: "β = \(beta)")
        }
    }

    /// Exact gradients that disagree with the values are reported and not used (finite differences instead).
    func testWrongGradientIsReportedAndNotUsed() throws {
        var guide = truth
        guide.beta = 0.3; guide.centre = [0.7, -0.8, 2.2]; guide.width = 0.6
        let s = try scan(of: guide, tolerances: [1])
        let r = try Refiner(guide: guide, scan: s, oracle: ValuesOnlyOracle(model: truth, gradientScale: 3),
                            options: RefineOptions(budget: 3000, gradients: .exact, maxIterations: 60)).run()
        XCTAssertEqual(r.gradients, .values)
        XCTAssertTrue(r.messages.contains { $0.contains("gradient disagrees") }, "\(r.messages)")
        XCTAssertEqual(r.certifiedCount, r.answers.count)
    }

    /// Exact gradients asked of an oracle that has none: one error naming the setting.
    func testExactGradientsFromAValuesOnlyOracleIsAnError() throws {
        let s = try scan(of: truth, tolerances: [1])
        let refiner = try Refiner(guide: truth, scan: s, oracle: ValuesOnlyOracle(model: truth),
                                  options: RefineOptions(gradients: .exact))
        XCTAssertThrowsError(try refiner.run()) { e in
            XCTAssertEqual((e as? SettingError)?.setting, .refineGradients)
        }
    }

    /// The budget spent: the answers left are reported not certified with the reason, nothing is lost.
    func testBudgetSpentKeepsWhatIsCertified() throws {
        var guide = truth
        guide.beta = 0.6; guide.centre = [0.9, -0.6, 2.3]; guide.width = 0.5
        let s = try scan(of: guide)
        let r = try Refiner(guide: guide, scan: s, oracle: ModelOracle(truth, label: "truth"),
                            options: RefineOptions(budget: 60)).run()
        XCTAssertLessThanOrEqual(r.evaluations, 60)
        XCTAssertGreaterThan(r.certifiedCount + r.answers.filter { $0.status == .notCertified }.count, 0)
        XCTAssertTrue(r.messages.contains { $0.contains("budget") })
        XCTAssertTrue(r.answers.contains { $0.status == .notCertified && $0.note.contains("budget") })
    }

    /// The result handed to `iterationEnd` after iteration k is what a run limited to k iterations
    /// returns (values, residuals, certificates, evaluations): learn's curve follows one run this way.
    func testIterationSnapshotsEqualRunsLimitedToThatManyIterations() throws {
        var guide = truth
        guide.beta = 0.6; guide.centre = [0.9, -0.6, 2.3]; guide.width = 0.5
        let s = try scan(of: guide)
        func key(_ r: RefineResult) -> [String] {
            r.answers.map { "\($0.name) \(String(describing: $0.exactValue)) \($0.error) \($0.stationarity) \($0.status == .certified) \($0.evaluations)" }
        }
        var snapshots: [Int: [String]] = [:]
        let full = try Refiner(guide: guide, scan: s, oracle: ModelOracle(truth, label: "truth"),
                               options: RefineOptions(budget: 3000, maxIterations: 100)).run(iterationEnd: { k, r in snapshots[k] = key(r) })
        XCTAssertGreaterThan(snapshots.count, 3)
        XCTAssertEqual(snapshots[snapshots.keys.max()!], key(full))
        for k in [1, 2, 3] {
            let limited = try Refiner(guide: guide, scan: s, oracle: ModelOracle(truth, label: "truth"),
                                      options: RefineOptions(budget: 3000, maxIterations: k)).run()
            XCTAssertEqual(snapshots[k], key(limited), "after \(k) iterations")
        }
    }

    /// A killed run started again with the same state directory asks the oracle for no point twice.
    func testResumeRepeatsNoEvaluation() throws {
        var guide = truth
        guide.beta = 0.6; guide.centre = [0.9, -0.6, 2.3]; guide.width = 0.5
        let s = try scan(of: guide)
        let dir = try TemporaryDirectory()
        let state = dir.path("state")
        let first = try Refiner(guide: guide, scan: s, oracle: ModelOracle(truth, label: "truth"),
                                options: RefineOptions(budget: 60)).run(store: try RefineStore(directory: state, parameterNames: truth.parameterNames, identity: "run\n"))
        let second = try Refiner(guide: guide, scan: s, oracle: ModelOracle(truth, label: "truth"),
                                 options: RefineOptions(budget: 60)).run(store: try RefineStore(directory: state, parameterNames: truth.parameterNames, identity: "run\n"))
        XCTAssertGreaterThan(first.evaluations, 0)
        XCTAssertEqual(second.evaluations, 0, "every point of the first run is reused")
        XCTAssertEqual(second.reused, first.evaluations)
        XCTAssertEqual(second.answers, first.answers)
        XCTAssertThrowsError(try RefineStore(directory: state, parameterNames: truth.parameterNames, identity: "other\n")) { e in
            XCTAssertEqual((e as? SettingError)?.setting, .refineState)
        }
    }

    /// Values mode with secant steps (the default) and without: every answer certified within ε of the
    /// closed form; the secant steps cost fewer evaluations on this damaged guide, and each certified point
    /// carries a true (finite-difference) gradient, never a secant estimate.
    func testSecantStepsCertifyWithinEpsilonAndSaveEvaluations() throws {
        var guide = truth
        guide.beta = 0.6; guide.centre = [0.9, -0.6, 2.3]; guide.width = 0.5
        let s = try scan(of: guide)
        var spent: [Int: Int] = [:]
        for steps in [0, 4] {
            let r = try Refiner(guide: guide, scan: s, oracle: ModelOracle(truth, label: "truth"),
                                options: RefineOptions(budget: 3000, maxIterations: 100, secantSteps: steps)).run()
            XCTAssertEqual(r.certifiedCount, r.answers.count, "secant steps \(steps): " + r.answers.filter { $0.status != .certified }.map { "\($0.name): \($0.note)" }.joined(separator: "; "))
            for a in r.answers where a.kind == "profile" {
                let k = truth.parameterNames.firstIndex(of: a.parameter!)!
                // The true gradient at the certified point, from the truth: its nuisance part is small.
                // The true nuisance gradient at the certified point, in the truth's own Hessian metric.
                let (_, g, h) = truth.valueGradientHessian(at: a.theta)
                let nu = (0..<3).filter { $0 != k }
                let sub = nu.flatMap { i in nu.map { j in h[i * 3 + j] } }
                let z = try XCTUnwrap(Refiner.choleskySolve(sub, 2, nu.map { g[$0] }))
                let decrease = 0.5 * (z[0] * g[nu[0]] + z[1] * g[nu[1]])
                XCTAssertLessThan(decrease, 0.01, "secant steps \(steps) \(a.name): the true nuisance decrease \(decrease)")
                XCTAssertLessThanOrEqual(abs(truth.value(at: a.theta) - truth.chi0 - a.tolerance), 0.01 + 1e-9, "\(a.name)")
            }
            spent[steps] = r.evaluations
        }
        XCTAssertLessThan(spent[4]!, spent[0]!, "secant steps must save finite-difference evaluations: \(spent)")
    }

    /// The quadratic model's damped BFGS update: symmetric, the secant condition B⁺s = y when sᵀy is
    /// large enough, positive definite when it is not (Powell damping), unchanged for a zero step.
    func testDampedBFGSUpdate() throws {
        let b0: [Double] = [2, 0.5, 0.5, 1]
        let a = Refiner.Eval(x: [0, 0], f: 0, g: [1, -1])
        let b = Refiner.Eval(x: [0.3, -0.2], f: 0, g: [1.9, -0.6])
        let b1 = Refiner.dampedBFGS(b0, from: a, to: b)
        XCTAssertEqual(b1[1], b1[2], accuracy: 1e-12)
        let s = [0.3, -0.2], y = [0.9, 0.4]
        for i in 0..<2 { XCTAssertEqual(b1[i * 2] * s[0] + b1[i * 2 + 1] * s[1], y[i], accuracy: 1e-12) }
        // Negative curvature along s: damped, stays positive definite.
        let c = Refiner.Eval(x: [0.3, -0.2], f: 0, g: [0.0, -1.5])
        let b2 = Refiner.dampedBFGS(b0, from: a, to: c)
        XCTAssertGreaterThan(b2[0], 0)
        XCTAssertGreaterThan(b2[0] * b2[3] - b2[1] * b2[2], 0)
        XCTAssertEqual(Refiner.dampedBFGS(b0, from: a, to: a), b0)
    }

    /// A secant gradient is exact for a residual (truth − guide) that is linear in the parameters when
    /// the accepted point's gradient is exact, and it reproduces the residual change along the step.
    func testSecantGradientIsExactForALinearResidual() throws {
        let guide = truth
        // truth = guide + 3 + wᵀθ: a linear residual.
        let w = [0.7, -1.1, 0.4]
        func trueValue(_ t: [Double]) -> Double { guide.value(at: t) + 3 + zip(w, t).reduce(0) { $0 + $1.0 * $1.1 } }
        func trueGradient(_ t: [Double]) -> [Double] { zip(guide.valueAndGradient(at: t).gradient, w).map { $0 + $1 } }
        let s = try scan(of: guide, tolerances: [1])
        let refiner = try Refiner(guide: guide, scan: s, oracle: ModelOracle(truth, label: "truth"))
        let c = Refiner.Eval(x: [0.4, -0.9, 2.1], f: trueValue([0.4, -0.9, 2.1]), g: trueGradient([0.4, -0.9, 2.1]))
        let x = [0.9, -0.5, 1.6]
        let g = refiner.secantGradient(from: c, to: x, value: trueValue(x), e: [Double](repeating: 0, count: 9), sigma: [1, 1, 1], free: [true, true, true])
        for i in 0..<3 { XCTAssertEqual(g[i], trueGradient(x)[i], accuracy: 1e-9) }
        // A residual change the accepted gradient does not predict moves the estimate along the step only.
        let g2 = refiner.secantGradient(from: c, to: x, value: trueValue(x) + 0.5, e: [Double](repeating: 0, count: 9), sigma: [1, 1, 1], free: [true, true, true])
        let d = (0..<3).map { g2[$0] - trueGradient(x)[$0] }, st = (0..<3).map { x[$0] - c.x[$0] }
        XCTAssertEqual(zip(d, st).reduce(0) { $0 + $1.0 * $1.1 }, 0.5, accuracy: 1e-9)
        XCTAssertEqual(d[0] / st[0], d[1] / st[1], accuracy: 1e-9)
    }

    /// A guide flattened over the whole region by a wide negative bump (its curvature wrong at every end):
    /// with exact gradients and with values only every answer is certified, each end within ε + δ of the
    /// closed form and the minimum within ε of the true χ²_min.
    func testFlattenedGuideIsCertifiedWithinEpsilon() throws {
        var guide = truth
        guide.beta = -3; guide.centre = [0.6, -0.9, 2.1]; guide.width = 1.5
        let s = try scan(of: guide)
        for mode in [RefineGradients.exact, .values] {
            let r = try Refiner(guide: guide, scan: s, oracle: ModelOracle(truth, label: "truth"),
                                options: RefineOptions(budget: 5000, gradients: mode, maxIterations: 150)).run()
            XCTAssertEqual(r.certifiedCount, r.answers.count, "\(mode): " + r.answers.filter { $0.status != .certified }.map { "\($0.name): \($0.note)" }.joined(separator: "; "))
            // δ bounds the decrease predicted in the guide's Hessian metric, which the bump distorts: the true
            // χ²_min is asserted to ε.
            XCTAssertEqual(r.answers[0].trueChi2, truth.chi0, accuracy: 0.01)
            for a in r.answers where a.kind == "profile" {
                let k = truth.parameterNames.firstIndex(of: a.parameter!)!
                let sigma = truth.inverseDiagonal(k).squareRoot()
                let slope = 2 * a.tolerance.squareRoot() / sigma
                XCTAssertEqual(a.exactValue!, exactEnd(k, a.tolerance, a.side!), accuracy: 2 * (0.01 + 0.002) / slope, "\(mode) \(a.name)")
            }
            XCTAssertLessThan(r.evaluations, mode == .exact ? 100 : 400, "\(mode): measured 37 (exact) and 112 (values) evaluations")
        }
    }

    /// Options written before `secantSteps` existed still decode (to the default).
    func testOptionsDecodeWithoutSecantSteps() throws {
        let json = #"{"epsilon":0.01,"stationarity":0.002,"budget":100,"gradients":"values","maxIterations":5,"finiteDifferenceStep":0.01}"#
        let o = try JSONDecoder().decode(RefineOptions.self, from: Data(json.utf8))
        XCTAssertEqual(o, RefineOptions(budget: 100, maxIterations: 5))
        let round = try JSONDecoder().decode(RefineOptions.self, from: JSONEncoder().encode(RefineOptions(secantSteps: 2)))
        XCTAssertEqual(round.secantSteps, 2)
    }

    func testOptionsNameTheSetting() {
        XCTAssertEqual(catchSetting { try RefineOptions(epsilon: 0).validate() }, .refineEpsilon)
        XCTAssertEqual(catchSetting { try RefineOptions(stationarity: -1).validate() }, .refineStationarity)
        XCTAssertEqual(catchSetting { try RefineOptions(budget: 0).validate() }, .refineBudget)
        XCTAssertEqual(catchSetting { try RefineOptions(secantSteps: -1).validate() }, .refineSecantSteps)
    }

    private func catchSetting(_ body: () throws -> Void) -> Setting? {
        do { try body(); return nil } catch { return (error as? SettingError)?.setting }
    }
}

/// `/gradient` in an oracle's output file.
final class OracleGradientTests: XCTestCase {
    func write(_ path: String, n: Int, gradient: [Double]?, shape: [Int], names: [String]? = nil) throws {
        let f = try HDF5File(create: path)
        try f.writeVector("/chi2", (0..<n).map { Double($0) + 1 })
        if let gradient { try f.write("/gradient", gradient, shape: shape) }
        if let names { try f.writeStrings("/gradient_names", names) }
        try f.flush()
    }

    func testGradientIsRead() throws {
        let dir = try TemporaryDirectory()
        let points = try OraclePoints(parameterNames: ["a", "b"], values: [0, 0, 1, 1])
        try write(dir.path("ok.h5"), n: 2, gradient: [1, 2, 3, 4], shape: [2, 2], names: ["a", "b"])
        let r = try OracleFiles.readOutput(dir.path("ok.h5"), for: points)
        XCTAssertEqual(r.gradient, [1, 2, 3, 4])
        XCTAssertEqual(r.gradientNames, ["a", "b"])
        XCTAssertEqual(r.gradient(row: 1), [3, 4])
    }

    func testWrongShapeNamesOrNaNAreErrorLines() throws {
        let dir = try TemporaryDirectory()
        let points = try OraclePoints(parameterNames: ["a", "b"], values: [0, 0, 1, 1])
        try write(dir.path("shape.h5"), n: 2, gradient: [1, 2, 3], shape: [3, 1])
        try write(dir.path("names.h5"), n: 2, gradient: [1, 2, 3, 4], shape: [2, 2], names: ["b", "a"])
        try write(dir.path("nan.h5"), n: 2, gradient: [1, .nan, 3, 4], shape: [2, 2])
        for (file, kind, words) in [("shape.h5", OracleError.Kind.wrongShape, "output /gradient: has shape [3, 1], expected [2, 2]"),
                                    ("names.h5", .wrongNames, "output /gradient_names b,a differ"),
                                    ("nan.h5", .wrongShape, "output /gradient: gradient of point 0 by b is nan")] {
            XCTAssertThrowsError(try OracleFiles.readOutput(dir.path(file), for: points)) { e in
                let e = e as! OracleError
                XCTAssertEqual(e.kind, kind, file)
                XCTAssertTrue(e.message.contains(words), "\(file): \(e.message)")
                XCTAssertFalse(e.message.contains("\n"))
            }
        }
    }

    func testTheoryOracleGivesExactGradients() throws {
        let oracle = try TheoryOracle(path: packageRoot.appendingPathComponent("Datasets/hera_fk_nlo.h5").path)
        let x = oracle.chi2.startingPoints[0]
        let points = try OraclePoints(parameterNames: oracle.chi2.parameterNames, values: x)
        let r = try oracle.evaluate(points, gradients: true)
        XCTAssertEqual(r.gradientNames, oracle.chi2.parameterNames)
        let g = oracle.chi2.valueAndGradient(at: x).gradient
        XCTAssertEqual(r.gradient!, g)
        XCTAssertNil(try oracle.evaluate(points).gradient)
    }
}

extension BumpedQuadratic { func predictBatch(_ points: [Double]) -> BatchPrediction { pointwiseBatch(points) } }
