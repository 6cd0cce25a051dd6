import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuNetwork
import PDFEmuTheory
import PDFEmuAnalysis
import PDFEmuLearn

/// The contour of one Δχ² level in a two-parameter plane: one or more polygons.
package struct ContourPlotLevel: Sendable, Equatable {
    /// The Δχ² level (e.g. 2.30 for 68% in two parameters at T² = 1).
    package var level: Double
    /// Polygons (closed: first point need not be repeated), in (x, y) data coordinates.
    package var polygons: [[PlotPoint]]
    /// Creates a level.
    package init(level: Double, polygons: [[PlotPoint]]) {
        self.level = level
        self.polygons = polygons
    }
}

/// Plain data of a two-parameter contour plot.
package struct ContourPlotData: Sendable, Equatable {
    /// Name of the parameter on x.
    package var xName: String
    /// Name of the parameter on y.
    package var yName: String
    /// Best-fit point.
    package var bestFit: PlotPoint
    /// Contours, one per level.
    package var levels: [ContourPlotLevel]
    /// Contour points (or scan points) outside the training domain, marked with open red triangles.
    package var outsidePoints: [PlotPoint]
    /// 2×2 covariance (row-major) of (x, y) at Δχ² = 1 from the Hessian; nil: no ellipses. Ellipses
    /// Δχ² = dᵀ C⁻¹ d = level are drawn dashed for each level.
    package var hessianCovariance: [Double]?

    /// Creates the data.
    package init(xName: String, yName: String, bestFit: PlotPoint, levels: [ContourPlotLevel],
                outsidePoints: [PlotPoint] = [], hessianCovariance: [Double]? = nil) {
        self.xName = xName
        self.yName = yName
        self.bestFit = bestFit
        self.levels = levels
        self.outsidePoints = outsidePoints
        self.hessianCovariance = hessianCovariance
    }
}

/// Builds the two-parameter contour plot: a closed curve per Δχ² level, dashed Hessian ellipses for
/// comparison, the best fit, and points outside the training domain.
package enum ContourPlot {
    /// The figure. Throws a one-line `PDFEmuError` if the Hessian covariance is malformed.
    package static func figure(_ data: ContourPlotData) throws -> PlotFigure {
        var fig = PlotFigure(title: "Profile contours of \(data.yName) vs \(data.xName)", xLabel: data.xName, yLabel: data.yName)
        fig.height = 600
        fig.width = 700
        if let c = data.hessianCovariance {
            guard c.count == 4, c[0] > 0, c[3] > 0, c[0] * c[3] - c[1] * c[2] > 0 else {
                throw PDFEmuError(.step("contour plot of \(data.xName), \(data.yName)"), "Hessian covariance must be a positive-definite 2×2 matrix")
            }
            for (i, lv) in data.levels.enumerated() where lv.level > 0 {
                fig.series.append(PlotSeries(label: i == 0 ? "Hessian ellipses" : nil,
                                             points: ellipse(centre: data.bestFit, covariance: c, level: lv.level),
                                             kind: .line, colour: plotLevelColours[i % plotLevelColours.count],
                                             dash: [5, 4], lineWidth: 1.3))
            }
        }
        for (i, lv) in data.levels.enumerated() {
            let colour = plotLevelColours[i % plotLevelColours.count]
            for (k, poly) in lv.polygons.enumerated() where poly.count >= 2 {
                fig.series.append(PlotSeries(label: k == 0 ? deltaChi2Label(lv.level) : nil,
                                             points: poly + [poly[0]], kind: .line, colour: colour, lineWidth: 2.2))
            }
        }
        if !data.outsidePoints.isEmpty {
            fig.series.append(PlotSeries(label: "outside training domain", points: data.outsidePoints, kind: .markers,
                                         colour: "#d62728", marker: .triangle, filledMarker: false, markerSize: 8))
        }
        fig.series.append(PlotSeries(label: "best fit", points: [data.bestFit], kind: .markers, colour: "black",
                                     marker: .cross, lineWidth: 2, markerSize: 11))
        // Equal padding around everything drawn; make room at the top for the legend.
        let all = fig.series.flatMap(\.points)
        let xr = PlotAxis.range(of: all.map(\.x), padding: 0.06)
        let yr0 = PlotAxis.range(of: all.map(\.y), padding: 0.06)
        fig.xRange = xr
        fig.yRange = yr0.lowerBound...(yr0.upperBound + 0.22 * (yr0.upperBound - yr0.lowerBound))
        fig.notes = ["solid: profiled Δχ² contours (other parameters minimised); dashed: Hessian approximation"]
        return fig
    }

    /// The SVG text of the contour plot.
    package static func svg(_ data: ContourPlotData) throws -> String { try figure(data).svg() }

    /// Writes the contour plot to `path` atomically.
    package static func write(_ data: ContourPlotData, to path: String) throws { try figure(data).write(to: path) }

    /// Points on the ellipse dᵀ C⁻¹ d = level around `centre` (C 2×2 row-major, positive definite).
    package static func ellipse(centre: PlotPoint, covariance c: [Double], level: Double, points: Int = 180) -> [PlotPoint] {
        // d = √level · L u with C = L Lᵀ (2×2 Cholesky) and u on the unit circle.
        let l11 = c[0].squareRoot(), l21 = c[2] / l11, l22 = (c[3] - l21 * l21).squareRoot()
        let r = level.squareRoot()
        return (0...points).map { k in
            let t = 2 * Double.pi * Double(k) / Double(points)
            let u = cos(t), v = sin(t)
            return PlotPoint(centre.x + r * l11 * u, centre.y + r * (l21 * u + l22 * v))
        }
    }
}
