import Foundation
import XCTest
@testable import PDFEmuCore
@testable import PDFEmuNetwork
@testable import PDFEmuAnalysis
@testable import PDFEmuReport
import PDFEmuTestSupport

/// A model translated by `shift` in θ, with `offset` added to χ²: its minimum, profiles and contours are
/// those of `base` moved by `shift`, χ²_min raised by `offset`.
struct ShiftedModel: ScalarModel {
    func predictBatch(_ points: [Double]) -> BatchPrediction { pointwiseBatch(points) }
    let base: any ScalarModel
    let shift: [Double]
    let offset: Double
    var parameterNames: [String] { base.parameterNames }
    var experimentNames: [String] { base.experimentNames }
    var startingPoints: [[Double]] { base.startingPoints.map(moved) }
    var trainingRegion: (any TrainingRegion)? { base.trainingRegion.map { Region(base: $0, model: self) } }
    func moved(_ t: [Double]) -> [Double] { zip(t, shift).map { $0 + $1 } }
    func back(_ t: [Double]) -> [Double] { zip(t, shift).map { $0 - $1 } }
    func value(at t: [Double]) -> Double { base.value(at: back(t)) + offset }
    func valueAndGradient(at t: [Double]) -> (value: Double, gradient: [Double]) {
        let r = base.valueAndGradient(at: back(t)); return (r.value + offset, r.gradient)
    }
    func valueGradientHessian(at t: [Double]) -> (value: Double, gradient: [Double], hessian: [Double]) {
        let r = base.valueGradientHessian(at: back(t)); return (r.value + offset, r.gradient, r.hessian)
    }
    func prediction(at t: [Double]) -> Prediction { var p = base.prediction(at: back(t)); p.value += offset; return p }

    /// The base model's training region, moved with it.
    struct Region: TrainingRegion {
        func whitened(_ theta: [Double]) -> [Double]? { nil }
        let base: any TrainingRegion
        let model: ShiftedModel
        var sampleMinimum: Double { base.sampleMinimum + model.offset }
        var bestTrainingPoints: [[Double]] { base.bestTrainingPoints.map(model.moved) }
        var trainingLower: [Double] { model.moved(base.trainingLower) }
        var trainingUpper: [Double] { model.moved(base.trainingUpper) }
        func domain(at t: [Double]) -> DomainCheck { base.domain(at: model.back(t)) }
    }
}

final class ScanComparisonTests: XCTestCase {
    static let emulatorPath = packageRoot.appendingPathComponent("Datasets/hera14_emulator.h5").path

    func scan(_ model: any ScalarModel, params: [String], tolerances: [Double] = [1, 10], contour: [String]? = nil) throws -> ScanResult {
        var o = ScanOptions(profileParameters: params, tolerances: tolerances)
        o.points = 11
        if let contour { o.contours = [contour]; o.rays = 12 }
        return try ScanRunner.run(model: model, options: o)
    }

    func testAnalyticShiftIsReportedExactly() throws {
        let model = QuadraticModel(p: 3)
        let exact = try scan(model, params: ["p0", "p1"], contour: ["p0", "p1"])
        let same = try ScanComparison(exact: exact, other: exact)
        XCTAssertEqual(same.deltaChi2Min, 0)
        XCTAssertEqual(same.maxAbsPull, 0)
        XCTAssertEqual(same.maxAbsRelativeError, 0)
        XCTAssertEqual(same.ends.count, 2 * 2 * 2)
        XCTAssertEqual(same.contours.map(\.maxDistance), [0, 0])
        XCTAssertTrue(same.notCompared.isEmpty)

        let delta = 0.3 * model.sigma(0)
        let shifted = try scan(ShiftedModel(base: model, shift: [delta, 0, 0], offset: 0.75), params: ["p0", "p1"], contour: ["p0", "p1"])
        let cmp = try ScanComparison(exact: exact, other: shifted)
        XCTAssertEqual(cmp.deltaChi2Min, 0.75, accuracy: 1e-8)
        XCTAssertEqual(cmp.pulls[0].pull!, 0.3, accuracy: 1e-5)
        XCTAssertEqual(cmp.pulls[0].sigma!, model.sigma(0), accuracy: 1e-6 * model.sigma(0))
        XCTAssertEqual(cmp.pulls[1].pull!, 0, accuracy: 1e-5)
        XCTAssertEqual(cmp.pulls[2].pull!, 0, accuracy: 1e-5)
        for e in cmp.ends {
            // A quadratic's profile ends are best ± T·σ: half-width T·σ, so the shift is δ/(T·σ) of it.
            let expected = e.parameter == "p0" ? 0.3 / e.tolerance.squareRoot() : 0
            XCTAssertEqual(e.halfWidth!, e.tolerance.squareRoot() * model.sigma(e.parameter == "p0" ? 0 : 1), accuracy: 1e-4)
            XCTAssertEqual(e.relativeError!, expected, accuracy: 1e-4, "\(e)")
        }
        // A translation by 0.3 σ along p0 moves each contour by at most 0.3 (in σ units), and by more than 0.
        for c in cmp.contours {
            XCTAssertLessThanOrEqual(c.maxDistance, 0.3 + 0.02)
            XCTAssertGreaterThan(c.maxDistance, 0.1)
        }
        let text = cmp.text()
        XCTAssertTrue(text.contains("Δχ²_min = 0.7500"), text)
        XCTAssertTrue(text.contains("max |pull| = 0.300"), text)
    }

    func testBundledEmulatorAgainstItselfAndAKnownShift() throws {
        let emulator = try Emulator.load(Self.emulatorPath)
        let exact = try scan(emulator, params: ["Bg", "Cuv"], contour: ["Bg", "Cuv"])
        let same = try ScanComparison(exact: exact, other: exact)
        XCTAssertEqual(same.deltaChi2Min, 0)
        XCTAssertEqual(same.maxAbsPull, 0)
        XCTAssertEqual(same.maxAbsRelativeError, 0)
        XCTAssertEqual(same.contours.map(\.maxDistance), [0, 0])

        let cuv = emulator.parameterNames.firstIndex(of: "Cuv")!
        let sigma = exact.hessian.sigma(ofParameter: cuv)!
        var shift = [Double](repeating: 0, count: emulator.parameterNames.count)
        shift[cuv] = 0.5 * sigma
        let moved = try scan(ShiftedModel(base: emulator, shift: shift, offset: -0.2), params: ["Bg", "Cuv"], contour: ["Bg", "Cuv"])
        let cmp = try ScanComparison(exact: exact, other: moved)
        XCTAssertEqual(cmp.deltaChi2Min, -0.2, accuracy: 1e-4)
        for p in cmp.pulls { XCTAssertEqual(p.pull!, p.parameter == "Cuv" ? 0.5 : 0, accuracy: 2e-3, p.parameter) }
        for e in cmp.ends {
            let expected = e.parameter == "Cuv" ? 0.5 * sigma / e.halfWidth! : 0
            XCTAssertEqual(e.relativeError!, expected, accuracy: 2e-3, "\(e)")
        }
    }

    func testDifferentParametersOrTolerancesAreOneClearError() throws {
        let a = try scan(QuadraticModel(p: 3), params: ["p0"])
        XCTAssertThrowsError(try ScanComparison(exact: a, other: try scan(QuadraticModel(p: 4), params: ["p0"]), exactFile: "a.h5", otherFile: "b.h5")) {
            XCTAssertEqual(userMessage($0), "b.h5: parameters p0,p1,p2,p3 differ from a.h5's p0,p1,p2")
        }
        XCTAssertThrowsError(try ScanComparison(exact: a, other: try scan(QuadraticModel(p: 3), params: ["p0"], tolerances: [1]),
                                                exactFile: "a.h5", otherFile: "b.h5")) {
            XCTAssertEqual(userMessage($0), "b.h5: tolerances 1 differ from a.h5's 1,10")
        }
        // Units in one scan only are listed, not compared.
        let b = try scan(QuadraticModel(p: 3), params: ["p1"])
        let cmp = try ScanComparison(exact: a, other: b)
        XCTAssertTrue(cmp.ends.isEmpty)
        XCTAssertEqual(cmp.notCompared.count, 2)
    }

    func testCompareCommandWritesJSONAndOverlaidPlots() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let model = QuadraticModel(p: 3)
        let exactPath = dir.path("exact.h5"), otherPath = dir.path("other.h5")
        try scan(model, params: ["p0", "p2"], contour: ["p0", "p2"]).write(to: exactPath)
        try scan(ShiftedModel(base: model, shift: [0, 0, 0.2 * model.sigma(2)], offset: 0.1), params: ["p0", "p2"], contour: ["p0", "p2"])
            .write(to: otherPath)
        let report = dir.path("report.json"), plots = dir.path("plots")
        let r = try PDFEmuExecutable.run(["compare", exactPath, otherPath, "--json", "--output", report, "--plot", plots])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines),
                       try String(contentsOfFile: report, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as! [String: Any]
        XCTAssertEqual(json["deltaChi2Min"] as! Double, 0.1, accuracy: 1e-8)
        let pulls = json["pulls"] as! [[String: Any]]
        XCTAssertEqual(pulls[2]["pull"] as! Double, 0.2, accuracy: 1e-5)
        XCTAssertEqual((json["contours"] as! [Any]).count, 2)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: plots).sorted(), ["compare_profile_p0.svg", "compare_profile_p2.svg"])
        let svg = try String(contentsOfFile: dir.path("plots/compare_profile_p2.svg"), encoding: .utf8)
        XCTAssertTrue(svg.contains("exact.h5 (exact)") && svg.contains("other.h5 interval ends"), "both curves in the legend")

        let table = try PDFEmuExecutable.run(["compare", exactPath, otherPath])
        XCTAssertTrue(table.stdout.contains("Δχ²_min = 0.1000"), table.stdout)
        XCTAssertTrue(table.stdout.contains("p2        1      upper"), table.stdout)

        let few = dir.path("few.h5"), out = dir.path("r2.json")
        try scan(model, params: ["p0"], tolerances: [4]).write(to: few)
        let bad = try PDFEmuExecutable.run(["compare", exactPath, few, "--output", out])
        XCTAssertEqual(bad.status, 1)
        XCTAssertEqual(bad.stderr, "error: \(few): tolerances 4 differ from \(exactPath)'s 1,10\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        let notScan = try PDFEmuExecutable.run(["compare", exactPath, Fixture.path("good.h5")])
        XCTAssertEqual(notScan.status, 1)
        XCTAssertTrue(notScan.stderr.contains("not a pdfemu scan output"), notScan.stderr)
        let same = try PDFEmuExecutable.run(["compare", exactPath, otherPath, "--output", exactPath])
        XCTAssertTrue(same.stderr.contains("output would overwrite the input EXACT"), same.stderr)
    }
}
