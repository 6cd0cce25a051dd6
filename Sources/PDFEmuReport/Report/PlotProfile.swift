import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuNetwork
import PDFEmuTheory
import PDFEmuAnalysis
import PDFEmuLearn

/// One profile interval to mark on a profile plot: where the profile crosses Δχ² = `level`.
package struct ProfilePlotInterval: Sendable, Equatable {
    /// The Δχ² level (T²).
    package var level: Double
    /// Lower crossing (nil: the profile does not cross below the best fit).
    package var lower: Double?
    /// Upper crossing (nil: the profile does not cross above the best fit).
    package var upper: Double?
    /// Creates an interval.
    package init(level: Double, lower: Double?, upper: Double?) {
        self.level = level
        self.lower = lower
        self.upper = upper
    }
}

/// Plain data of a one-parameter profile plot.
package struct ProfilePlotData: Sendable, Equatable {
    /// Parameter name.
    package var name: String
    /// Parameter values where the profile was computed.
    package var values: [Double]
    /// Profiled Δχ² = min over the other parameters of χ² − χ²_min, at each value.
    package var deltaChi2: [Double]
    /// Whether each profile point is inside the training domain (empty: all inside).
    package var inside: [Bool]
    /// The best-fit value x̂.
    package var bestFit: Double
    /// Hessian error σ_H (Δχ² = 1) for the comparison parabola Δχ² = ((x − x̂)/σ_H)²; nil: no parabola.
    package var hessianSigma: Double?
    /// Δχ² levels (T² values) drawn as dashed horizontal lines.
    package var levels: [Double]
    /// Interval ends to mark.
    package var intervals: [ProfilePlotInterval]

    /// Creates the data.
    package init(name: String, values: [Double], deltaChi2: [Double], inside: [Bool] = [], bestFit: Double,
                hessianSigma: Double? = nil, levels: [Double] = [1], intervals: [ProfilePlotInterval] = []) {
        self.name = name
        self.values = values
        self.deltaChi2 = deltaChi2
        self.inside = inside
        self.bestFit = bestFit
        self.hessianSigma = hessianSigma
        self.levels = levels
        self.intervals = intervals
    }
}

/// Colours used for successive Δχ² levels in profile and contour plots.
package let plotLevelColours = ["#2a7f2a", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

/// Text of a Δχ² level, e.g. "Δχ² = 2.3".
package func deltaChi2Label(_ level: Double) -> String {
    "Δχ² = " + Fmt.num(level, width: 0, digits: 4).trimmingCharacters(in: .whitespaces)
}

/// Builds the profile-likelihood plot: profile line with markers (points outside the training domain
/// drawn as open red triangles), dashed Δχ² = T² lines, the Hessian parabola, and the interval ends.
package enum ProfilePlot {
    /// The figure. Throws a one-line `PDFEmuError` if the arrays disagree in length or hold no finite point.
    package static func figure(_ data: ProfilePlotData) throws -> PlotFigure {
        let n = data.values.count
        guard data.deltaChi2.count == n else {
            throw PDFEmuError(.step("profile plot of \(data.name)"), "\(n) values but \(data.deltaChi2.count) Δχ² values")
        }
        guard data.inside.isEmpty || data.inside.count == n else {
            throw PDFEmuError(.step("profile plot of \(data.name)"), "\(n) values but \(data.inside.count) domain flags")
        }
        let order = (0..<n).filter { data.values[$0].isFinite && data.deltaChi2[$0].isFinite }
            .sorted { data.values[$0] < data.values[$1] }
        guard !order.isEmpty else { throw PDFEmuError(.step("profile plot of \(data.name)"), "no finite profile points") }

        var fig = PlotFigure(title: "Profile of \(data.name)", xLabel: data.name, yLabel: "Δχ² (profiled)")
        let pts = order.map { PlotPoint(data.values[$0], data.deltaChi2[$0]) }
        let isInside = order.map { data.inside.isEmpty ? true : data.inside[$0] }

        // Ranges: all points and interval ends on x; y from min(0, data) to a cap showing every level.
        let maxLevel = data.levels.filter(\.isFinite).max() ?? 1
        let ends = data.intervals.flatMap { [$0.lower, $0.upper].compactMap { $0 } }
        fig.xRange = PlotAxis.range(of: pts.map(\.x) + ends + [data.bestFit], padding: 0.03)
        let dataMax = pts.map(\.y).max()!
        let top = max(1.15 * maxLevel, min(dataMax, max(4 * maxLevel, 10)))
        let bottom = min(0, pts.map(\.y).min()!)
        fig.yRange = (bottom - 0.03 * (top - bottom))...(top * 1.04)

        for (i, level) in data.levels.enumerated() where level.isFinite {
            fig.referenceLines.append(PlotReferenceLine(horizontal: true, value: level, label: deltaChi2Label(level),
                                                        colour: plotLevelColours[i % plotLevelColours.count], dash: [7, 5]))
        }
        if let s = data.hessianSigma, s.isFinite, s > 0 {
            let xr = fig.xRange!
            let parabola = (0...240).map { k -> PlotPoint in
                let x = xr.lowerBound + (xr.upperBound - xr.lowerBound) * Double(k) / 240
                return PlotPoint(x, ((x - data.bestFit) / s) * ((x - data.bestFit) / s))
            }
            fig.series.append(PlotSeries(label: "Hessian parabola (σ = \(Fmt.num(s, width: 0, digits: 3).trimmingCharacters(in: .whitespaces)))",
                                         points: parabola, kind: .line, colour: "#ff7f0e", dash: [5, 4], lineWidth: 1.6))
        }
        fig.series.append(PlotSeries(label: "profile", points: pts, kind: .line, colour: "#1f77b4", lineWidth: 2))
        let inPts = zip(pts, isInside).filter { $0.1 }.map(\.0)
        let outPts = zip(pts, isInside).filter { !$0.1 }.map(\.0)
        if !inPts.isEmpty {
            fig.series.append(PlotSeries(label: nil, points: inPts, kind: .markers, colour: "#1f77b4", markerSize: 6))
        }
        if !outPts.isEmpty {
            fig.series.append(PlotSeries(label: "outside training domain", points: outPts, kind: .markers, colour: "#d62728",
                                         marker: .triangle, filledMarker: false, markerSize: 9))
        }
        for (i, iv) in data.intervals.enumerated() {
            let colour = plotLevelColours[(data.levels.firstIndex(of: iv.level) ?? i) % plotLevelColours.count]
            let endPts = [iv.lower, iv.upper].compactMap { $0 }.map { PlotPoint($0, iv.level) }
            for e in endPts {
                fig.series.append(PlotSeries(label: nil, points: [PlotPoint(e.x, fig.yRange!.lowerBound), e], kind: .line,
                                             colour: colour, dash: [2, 3], lineWidth: 1.2))
            }
            if !endPts.isEmpty {
                let text = "interval at \(deltaChi2Label(iv.level)): " + Self.intervalText(iv)
                fig.series.append(PlotSeries(label: text, points: endPts, kind: .markers, colour: colour, marker: .diamond,
                                             markerSize: 10))
            }
        }
        fig.series.append(PlotSeries(label: "best fit \(data.name) = \(Fmt.num(data.bestFit, width: 0, digits: 5).trimmingCharacters(in: .whitespaces))",
                                     points: [PlotPoint(data.bestFit, 0)], kind: .markers, colour: "black", marker: .square,
                                     markerSize: 8))
        fig.notes = ["Δχ² = χ² minimised over the other parameters − global χ²_min; dashed lines: Δχ² = T² levels"]
        if dataMax > fig.yRange!.upperBound {
            fig.notes.append("profile points above Δχ² = \(Fmt.num(fig.yRange!.upperBound, width: 0, digits: 3).trimmingCharacters(in: .whitespaces)) are cut off (max \(Fmt.num(dataMax, width: 0, digits: 4).trimmingCharacters(in: .whitespaces)))")
        }
        return fig
    }

    /// The SVG text of the profile plot.
    package static func svg(_ data: ProfilePlotData) throws -> String { try figure(data).svg() }

    /// Writes the profile plot to `path` atomically.
    package static func write(_ data: ProfilePlotData, to path: String) throws { try figure(data).write(to: path) }

    static func intervalText(_ iv: ProfilePlotInterval) -> String {
        func f(_ x: Double?) -> String { x.map { Fmt.num($0, width: 0, digits: 4).trimmingCharacters(in: .whitespaces) } ?? "open" }
        return "[\(f(iv.lower)), \(f(iv.upper))]"
    }
}
