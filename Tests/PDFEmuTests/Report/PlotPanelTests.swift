import XCTest
@testable import PDFEmuAnalysis
@testable import PDFEmuReport
import PDFEmuTestSupport

/// The split x axis, stacked panels, category labels, and the per-experiment panel of profile plots.
final class PlotPanelTests: XCTestCase {
    func texts(_ svg: String) throws -> [String] { try svgTexts(svg) }

    func testLogLinearAxis() throws {
        let l = PlotLayout(left: 100, top: 0, width: 600, height: 100, xRange: 1e-4...1, yRange: 0...1,
                           xScale: .logLinear(split: 0.1, logFraction: 0.5))
        XCTAssertEqual(l.px(1e-4), 100, accuracy: 1e-9)
        XCTAssertEqual(l.px(1e-3), 200, accuracy: 1e-9)       // three decades over 300 px
        XCTAssertEqual(l.px(0.1), 400, accuracy: 1e-9)
        XCTAssertEqual(l.px(0.55), 550, accuracy: 1e-9)       // linear half
        XCTAssertEqual(l.px(1), 700, accuracy: 1e-9)
        XCTAssertFalse(l.px(0).isFinite)
        let ticks = PlotAxis.logLinearTicks(1e-4, 0.1, 1)
        XCTAssertEqual(ticks.filter(\.major).map(\.label), ["10⁻⁴", "10⁻³", "0.01", "0.1", "0.2", "0.4", "0.6", "0.8", "1.0"])
        XCTAssertEqual(ticks.filter { !$0.major }.count, 24)   // 2…9 in each of three decades
    }

    func testStackedPanelsAndCategories() throws {
        var a = PlotFigure(title: "top", xLabel: "", yLabel: "y")
        a.series = [PlotSeries(label: "s", points: [PlotPoint(0, 0), PlotPoint(1, 1)])]
        a.clipID = "a"
        var b = PlotFigure(title: "", xLabel: "experiment", yLabel: "v")
        b.xCategories = ["HERA_NC_318GEV_EP", "B"]
        b.series = [PlotSeries(label: nil, points: [PlotPoint(0, 1), PlotPoint(1, 2)])]
        b.clipID = "b"
        let d = PlotPanels.stack([a, b])
        XCTAssertEqual(d.height, a.height + b.height - 30)
        let svg = d.render()
        let t = try texts(svg)
        XCTAssertTrue(t.contains("HERA_NC_318GEV_EP") && t.contains("B") && t.contains("top"))
        XCTAssertTrue(svg.contains("clip-path=\"url(#a)\"") && svg.contains("clip-path=\"url(#b)\""))
        XCTAssertTrue(svg.contains("rotate(-30"), "long category names are slanted")
    }

    func testProfilePlotsCarryAPerExperimentPanel() throws {
        let m = QuadraticModel(p: 3)
        let r = try ScanRunner.run(model: m, options: ScanOptions(profileParameters: ["p1"], tolerances: [1], points: 11))
        let svgs = try ScanPlots.svgs(r)
        let profile = try XCTUnwrap(svgs.first { $0.file == "profile_p1.svg" })
        let t = try texts(profile.svg)
        XCTAssertTrue(t.contains("Δχ²_E per experiment"))
        XCTAssertTrue(t.contains("expA") && t.contains("expB"))
        // A model without per-experiment outputs: the plain profile figure.
        let rb = try ScanRunner.run(model: BananaModel(), options: ScanOptions(profileParameters: ["x"], tolerances: [1], points: 11))
        let plain = try XCTUnwrap(try ScanPlots.svgs(rb).first { $0.file == "profile_x.svg" })
        XCTAssertFalse(try texts(plain.svg).contains("Δχ²_E per experiment"))
        XCTAssertEqual(plain.svg, try ScanPlots.figures(rb).first { $0.file == "profile_x.svg" }!.figure.svg())
    }
}
