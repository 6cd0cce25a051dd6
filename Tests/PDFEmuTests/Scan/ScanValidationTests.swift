import XCTest
@testable import PDFEmuCore
@testable import PDFEmuAnalysis
@testable import PDFEmuReport
import PDFEmuTestSupport

final class ScanValidationTests: XCTestCase {
    func message(_ o: ScanOptions, model m: any ScalarModel = QuadraticModel(p: 4), extra: [LagrangeModel] = []) -> String {
        do { _ = try ScanRunner.run(model: m, options: o, lagrangeModels: extra); return "" } catch { return userMessage(error) }
    }

    func error(_ o: ScanOptions) -> ScanSettingError? {
        do { _ = try ScanRunner.run(model: QuadraticModel(p: 4), options: o); return nil } catch { return error as? ScanSettingError }
    }

    func testBadOptionsGiveOneLineNamingTheFault() {
        XCTAssertTrue(message(ScanOptions(profileParameters: ["p0", "Bogus"])).contains("unknown parameter 'Bogus'"))
        XCTAssertTrue(message(ScanOptions(tolerances: [1, 0])).contains("T² must be > 0"))
        XCTAssertTrue(message(ScanOptions(tolerances: [-4])).contains("T² must be > 0"))
        XCTAssertTrue(message(ScanOptions(contours: [["p1", "p1"]])).contains("same parameter twice"))
        XCTAssertTrue(message(ScanOptions(fixed: ["nope": 1])).contains("fixed: unknown parameter 'nope'"))
        XCTAssertEqual(error(ScanOptions(fixed: ["nope": 1]))?.setting, .fixed)
        XCTAssertEqual(error(ScanOptions(bounds: ["p0": ValueRange(lower: 2, upper: 1)]))?.item, "p0")
        XCTAssertTrue(message(ScanOptions(bounds: ["p0": ValueRange(lower: 2, upper: 1)])).contains("must be below"))
        let e = message(ScanOptions(lagrangeExpressions: ["2*Buv - p1 + Cdv"]))
        XCTAssertTrue(e.contains("unknown parameter names Buv, Cdv"), e)
        let other = LagrangeModel(label: "xsec.h5", model: BananaModel(), identity: "x")
        XCTAssertTrue(message(ScanOptions(), extra: [other]).contains("xsec.h5: parameter names"))
        for m in [message(ScanOptions(profileParameters: ["p0", "Bogus"]))] { XCTAssertFalse(m.contains("\n")) }
    }

    func testRangeOutsideTheTrainingDomainIsAllowedAndFlaggedOnEveryPoint() throws {
        let m = QuadraticModel(p: 4, boxSigmas: 2)
        let s = m.sigma(1)
        let r = try ScanRunner.run(model: m, options: ScanOptions(
            profileParameters: ["p1"], ranges: ["p1": ValueRange(lower: m.mu[1] - 4 * s, upper: m.mu[1] + 4 * s)], points: 17))
        let pr = r.profiles[0]
        for k in pr.values.indices { XCTAssertEqual(pr.inside[k], abs(pr.values[k] - m.mu[1]) <= 2 * s + 1e-12) }
        XCTAssertEqual(pr.inside.filter { !$0 }.count, 8)
        let text = r.text()
        XCTAssertTrue(text.contains("points outside the training domain"), text)
    }

    func testExpressionParser() throws {
        let names = ["Buv", "Bdv", "Cg"]
        let e = try LinearExpression(parsing: "0.5*Buv - Bdv + 2", parameterNames: names)
        XCTAssertEqual(e.coefficients, [0.5, -1, 0]); XCTAssertEqual(e.constant, 2)
        let f = try LinearExpression(parsing: "-2*(Buv - 3*Cg)/4 + 1e-1 * (Bdv) - (1)", parameterNames: names)
        XCTAssertEqual(f.coefficients[0], -0.5, accuracy: 1e-15)
        XCTAssertEqual(f.coefficients[1], 0.1, accuracy: 1e-15)
        XCTAssertEqual(f.coefficients[2], 1.5, accuracy: 1e-15)
        XCTAssertEqual(f.constant, -1, accuracy: 1e-15)
        XCTAssertEqual(f.value(at: [1, 2, 3]), -0.5 + 0.2 + 4.5 - 1, accuracy: 1e-12)
        for bad in ["Buv*Bdv", "1/Buv", "Buv +", "(Buv", "Buv ) ", "", "2 $ Buv"] {
            XCTAssertThrowsError(try LinearExpression(parsing: bad, parameterNames: names), bad) { err in
                XCTAssertTrue(userMessage(err).hasPrefix("expression \"\(bad)\""), userMessage(err))
            }
        }
    }

    func testLagrangeScanOfASecondModelAgreesWithTheLinearExpression() throws {
        // A second model that is exactly the linear function q = p0 − p2.
        struct Linear: ScalarModel, TrainingRegion {
            func whitened(_ theta: [Double]) -> [Double]? { nil }
            func predictBatch(_ points: [Double]) -> BatchPrediction { pointwiseBatch(points) }
            let base: QuadraticModel
            var parameterNames: [String] { base.parameterNames }
            var experimentNames: [String] { [] }
            var sampleMinimum: Double { 0 }
            var bestTrainingPoints: [[Double]] { base.bestTrainingPoints }
            var trainingLower: [Double] { base.trainingLower }
            var trainingUpper: [Double] { base.trainingUpper }
            func value(at t: [Double]) -> Double { t[0] - t[2] }
            func valueAndGradient(at t: [Double]) -> (value: Double, gradient: [Double]) { (value(at: t), [1, 0, -1, 0]) }
            func valueGradientHessian(at t: [Double]) -> (value: Double, gradient: [Double], hessian: [Double]) {
                (value(at: t), [1, 0, -1, 0], [Double](repeating: 0, count: 16))
            }
            func prediction(at t: [Double]) -> Prediction { Prediction(value: value(at: t), spread: 0, perExperiment: []) }
            func domain(at t: [Double]) -> DomainCheck { base.domain(at: t) }
        }
        let m = QuadraticModel(p: 4, quartic: 0.3)
        let r = try ScanRunner.run(model: m, options: ScanOptions(profileParameters: [], tolerances: [1, 4], points: 21,
                                                                  lagrangeExpressions: ["p0 - p2"]),
                                   lagrangeModels: [LagrangeModel(label: "lin", model: Linear(base: m), identity: "lin")])
        XCTAssertEqual(r.lagrange.count, 2)
        XCTAssertEqual(r.lagrange[1].definition, "model:lin")
        for (a, b) in zip(r.lagrange[0].intervals, r.lagrange[1].intervals) {
            XCTAssertEqual(try XCTUnwrap(a.lower), try XCTUnwrap(b.lower), accuracy: 1e-9)
            XCTAssertEqual(try XCTUnwrap(a.upper), try XCTUnwrap(b.upper), accuracy: 1e-9)
        }
        // Non-quadratic: the Lagrange interval is narrower than the Hessian one (quartic walls).
        let iv = r.lagrange[0].intervals[1]
        XCTAssertLessThan(try XCTUnwrap(iv.upper) - r.lagrange[0].best, 2 * r.lagrange[0].sigma)
    }
}
