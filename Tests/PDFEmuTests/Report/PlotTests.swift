import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import PDFEmuCore
@testable import PDFEmuReport
import PDFEmuTestSupport

final class PlotTests: XCTestCase {
    /// Parses `svg` as XML and returns the root element (fails the test if not well-formed).
    func parse(_ svg: String, file: StaticString = #filePath, line: UInt = #line) throws -> XMLElement {
        let doc = try XMLDocument(xmlString: svg, options: [])
        let root = try XCTUnwrap(doc.rootElement(), file: file, line: line)
        XCTAssertEqual(root.name, "svg", file: file, line: line)
        return root
    }

    /// All elements named `name` below `e`.
    func elements(_ e: XMLElement, named name: String) -> [XMLElement] {
        var out: [XMLElement] = []
        for c in e.children ?? [] {
            guard let ce = c as? XMLElement else { continue }
            if ce.name == name { out.append(ce) }
            out += elements(ce, named: name)
        }
        return out
    }

    /// Attribute value by name (looked up through `attributes`: the default SVG namespace hides it from
    /// `attribute(forName:)` in swift-corelibs-foundation).
    func attr(_ e: XMLElement, _ name: String) -> String? {
        e.attributes?.first { $0.name == name || $0.localName == name }?.stringValue
    }

    func texts(_ root: XMLElement) -> [String] { elements(root, named: "text").compactMap(\.stringValue) }

    /// Directory to keep the rendered plots in (PDFEMU_PLOT_DIR), else a temporary one removed afterwards.
    func outputDirectory() throws -> (String, Bool) {
        if let d = ProcessInfo.processInfo.environment["PDFEMU_PLOT_DIR"] { return (d, false) }
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("pdfemu-plots-\(getpid())").path
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return (d, true)
    }

    func testNiceTicksAndLabels() {
        let a = PlotAxis.niceTicks(0, 10, target: 6)
        XCTAssertEqual(a.step, 2)
        XCTAssertEqual(a.values, [0, 2, 4, 6, 8, 10])
        let b = PlotAxis.niceTicks(0.13, 0.87, target: 6)
        XCTAssertEqual(b.step, 0.1, accuracy: 1e-15)
        XCTAssertEqual(b.values.count, 7)
        XCTAssertEqual(b.values.first!, 0.2, accuracy: 1e-12)
        XCTAssertEqual(PlotAxis.label(b.values[0], step: b.step), "0.2")
        XCTAssertEqual(PlotAxis.label(-1e-17, step: 0.5), "0.0")
        let c = PlotAxis.niceTicks(-2.3e-3, 4.1e-3, target: 7)
        XCTAssertEqual(c.step, 1e-3, accuracy: 1e-18)
        XCTAssertEqual(c.values.count, 7)
        XCTAssertEqual(PlotAxis.label(c.values[1], step: c.step), "-0.001")
    }

    func testEscapingKeepsXMLWellFormed() throws {
        var d = SVGDocument(width: 100, height: 50)
        d.text("a < b & \"c\" > 'd'", x: 5, y: 20)
        let root = try parse(d.render())
        XCTAssertEqual(texts(root), ["a < b & \"c\" > 'd'"])
    }

    func profileData() -> ProfilePlotData {
        let xs = stride(from: -1.0, through: 3.0, by: 0.25).map { $0 }
        // Slightly asymmetric profile around x̂ = 1 with σ ≈ 0.5.
        let d = xs.map { x in 4 * (x - 1) * (x - 1) * (1 + 0.1 * (x - 1)) }
        let inside = xs.map { $0 < 2.6 }
        return ProfilePlotData(name: "Bg<1>", values: xs, deltaChi2: d, inside: inside, bestFit: 1, hessianSigma: 0.5,
                               levels: [1, 4], intervals: [ProfilePlotInterval(level: 1, lower: 0.51, upper: 1.49),
                                                           ProfilePlotInterval(level: 4, lower: 0.05, upper: nil)])
    }

    func testProfilePlotContentsAndCoordinates() throws {
        let data = profileData()
        let fig = try ProfilePlot.figure(data)
        let svg = fig.svg()
        let root = try parse(svg)
        let t = texts(root)
        XCTAssertTrue(t.contains("Profile of Bg<1>"))
        XCTAssertTrue(t.contains("Bg<1>"))
        XCTAssertTrue(t.contains("Δχ² (profiled)"))
        XCTAssertTrue(t.contains("Δχ² = 1"))
        XCTAssertTrue(t.contains("Δχ² = 4"))
        XCTAssertTrue(t.contains("outside training domain"))
        XCTAssertTrue(t.contains { $0.hasPrefix("Hessian parabola") })
        XCTAssertTrue(t.contains("interval at Δχ² = 4: [0.05, open]"))

        // The data point (1.5, Δχ²(1.5)) is drawn as a circle marker at its mapped pixel position.
        let l = fig.layout()
        let y15 = 4 * 0.25 * 1.05
        let X = l.px(1.5), Y = l.py(y15)
        XCTAssertEqual(X, l.left + (1.5 - l.xRange.lowerBound) / (l.xRange.upperBound - l.xRange.lowerBound) * l.width, accuracy: 1e-12)
        let circles = elements(root, named: "circle").compactMap { e -> (Double, Double)? in
            guard let cx = attr(e, "cx").flatMap(Double.init),
                  let cy = attr(e, "cy").flatMap(Double.init) else { return nil }
            return (cx, cy)
        }
        XCTAssertEqual(circles.count, elements(root, named: "circle").count, "circle without numeric cx/cy")
        XCTAssertTrue(circles.contains { abs($0.0 - X) < 0.01 && abs($0.1 - Y) < 0.01 }, "no marker at (\(X), \(Y))")
        // Axis ends: x range covers the data, y starts at or below 0 and shows the highest level.
        XCTAssertLessThanOrEqual(l.xRange.lowerBound, -1)
        XCTAssertGreaterThanOrEqual(l.xRange.upperBound, 3)
        XCTAssertLessThanOrEqual(l.yRange.lowerBound, 0)
        XCTAssertGreaterThan(l.yRange.upperBound, 4)
        XCTAssertEqual(l.py(l.yRange.lowerBound), l.top + l.height, accuracy: 1e-9)
        XCTAssertEqual(l.py(l.yRange.upperBound), l.top, accuracy: 1e-9)
        // Outside points (x ≥ 2.6: 2.75 and 3) are open triangles, where they are below the y cut-off.
        let visibleOutside = zip(data.values, data.deltaChi2).filter { $0.0 >= 2.6 && $0.1 <= l.yRange.upperBound }.count
        XCTAssertEqual(visibleOutside, 1)
        let tri = elements(root, named: "polygon").filter { attr($0, "stroke") == "#d62728" }
        XCTAssertEqual(tri.count, visibleOutside + 1)  // markers + the legend sample
        XCTAssertTrue(t.contains { $0.hasPrefix("profile points above Δχ² = ") })
    }

    func testProfilePlotRejectsMismatchedInput() {
        var d = profileData()
        d.deltaChi2.removeLast()
        XCTAssertThrowsError(try ProfilePlot.figure(d)) { XCTAssertTrue(userMessage($0).contains("profile plot of Bg<1>")) }
    }

    func testContourPlotAndEllipse() throws {
        let c = [0.04, 0.018, 0.018, 0.09]
        let centre = PlotPoint(0.5, -1)
        let e = ContourPlot.ellipse(centre: centre, covariance: c, level: 2.3)
        let det = c[0] * c[3] - c[1] * c[2]
        for p in e {
            let dx = p.x - centre.x, dy = p.y - centre.y
            let q = (c[3] * dx * dx - 2 * c[1] * dx * dy + c[0] * dy * dy) / det
            XCTAssertEqual(q, 2.3, accuracy: 1e-9)
        }
        // Use a slightly distorted ellipse as the "profiled" contour.
        let poly = ContourPlot.ellipse(centre: centre, covariance: c, level: 2.3, points: 60).dropLast().map {
            PlotPoint($0.x + 0.02 * ($0.x - centre.x), $0.y)
        }
        let poly2 = ContourPlot.ellipse(centre: centre, covariance: c, level: 5.99, points: 60).dropLast().map { $0 }
        let data = ContourPlotData(xName: "Bg", yName: "Cg", bestFit: centre,
                                   levels: [ContourPlotLevel(level: 2.3, polygons: [poly]),
                                            ContourPlotLevel(level: 5.99, polygons: [poly2])],
                                   outsidePoints: [poly2[3]], hessianCovariance: c)
        let fig = try ContourPlot.figure(data)
        let root = try parse(fig.svg())
        let t = texts(root)
        for label in ["Δχ² = 2.3", "Δχ² = 5.99", "Hessian ellipses", "best fit", "outside training domain", "Bg", "Cg"] {
            XCTAssertTrue(t.contains(label), "missing label \(label)")
        }
        let l = fig.layout()
        for p in poly2 { XCTAssertTrue(l.xRange.contains(p.x) && l.yRange.contains(p.y)) }
        XCTAssertThrowsError(try ContourPlot.figure(ContourPlotData(xName: "a", yName: "b", bestFit: centre, levels: [],
                                                                    hessianCovariance: [1, 2, 2, 1])))
    }

    func testHistogramIsNormalised() throws {
        var rng = SeededGenerator(seed: 4)
        let v = (0..<5000).map { _ in 2 + 0.5 * rng.nextGaussian() }
        let (edges, dens) = MarginalHistogramPlot.histogram(v, bins: 30)
        XCTAssertEqual(edges.count, 31)
        let area = zip(dens, zip(edges, edges.dropFirst())).reduce(0) { $0 + $1.0 * ($1.1.1 - $1.1.0) }
        XCTAssertEqual(area, 1, accuracy: 1e-12)
        let data = MarginalHistogramData(name: "Dg", values: v, bins: 30, interval68: Stats.quantile(v, 0.1587)...Stats.quantile(v, 0.8413),
                                         reference: 2, temperature2: 1)
        let t = texts(try parse(try MarginalHistogramPlot.svg(data)))
        XCTAssertTrue(t.contains("Marginal posterior of Dg (MCMC, T² = 1)"))
        XCTAssertTrue(t.contains { $0.hasPrefix("68% central [") })
    }

    /// Plots go through AtomicOutput; with PDFEMU_PLOT_DIR set they are kept for inspection.
    func testWritesPlotFiles() throws {
        let (dir, cleanup) = try outputDirectory()
        defer { if cleanup { try? FileManager.default.removeItem(atPath: dir) } }
        let profilePath = dir + "/profile.svg"
        try ProfilePlot.write(profileData(), to: profilePath)
        _ = try parse(try String(contentsOfFile: profilePath, encoding: .utf8))

        let c = [0.04, 0.018, 0.018, 0.09]
        let centre = PlotPoint(0.5, -1)
        let p1 = ContourPlot.ellipse(centre: centre, covariance: c, level: 2.3, points: 40).dropLast().map {
            PlotPoint($0.x + 0.15 * max(0, $0.x - centre.x), $0.y)
        }
        let p2 = ContourPlot.ellipse(centre: centre, covariance: c, level: 5.99, points: 40).dropLast().map {
            PlotPoint($0.x + 0.25 * max(0, $0.x - centre.x), $0.y)
        }
        try ContourPlot.write(ContourPlotData(xName: "Bg", yName: "Cg", bestFit: centre,
                                              levels: [ContourPlotLevel(level: 2.3, polygons: [Array(p1)]),
                                                       ContourPlotLevel(level: 5.99, polygons: [Array(p2)])],
                                              outsidePoints: Array(p2[5...9]), hessianCovariance: c),
                              to: dir + "/contour.svg")
        var rng = SeededGenerator(seed: 4)
        let v = (0..<5000).map { _ in 2 + 0.5 * rng.nextGaussian() }
        try MarginalHistogramPlot.write(MarginalHistogramData(name: "Dg", values: v, bins: 40,
                                                              interval68: Stats.quantile(v, 0.1587)...Stats.quantile(v, 0.8413),
                                                              interval95: Stats.quantile(v, 0.02275)...Stats.quantile(v, 0.97725),
                                                              reference: 2), to: dir + "/histogram.svg")
        for f in ["profile.svg", "contour.svg", "histogram.svg"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/" + f))
        }
        // Writing into a missing directory fails without leaving anything.
        XCTAssertThrowsError(try ProfilePlot.write(profileData(), to: dir + "/nope/profile.svg"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/nope"))
    }
}
