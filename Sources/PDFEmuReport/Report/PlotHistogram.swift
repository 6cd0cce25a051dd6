import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuNetwork
import PDFEmuTheory
import PDFEmuAnalysis
import PDFEmuLearn

/// Plain data of a one-parameter marginal histogram (e.g. of MCMC samples).
package struct MarginalHistogramData: Sendable, Equatable {
    /// Parameter name.
    package var name: String
    /// Sample values.
    package var values: [Double]
    /// Number of bins.
    package var bins: Int
    /// Central 68% interval to mark (nil: none).
    package var interval68: ClosedRange<Double>?
    /// Central 95% interval to mark (nil: none).
    package var interval95: ClosedRange<Double>?
    /// A reference value to mark, e.g. the best fit (nil: none).
    package var reference: Double?
    /// T² of the sampled density (for the title).
    package var temperature2: Double

    /// Creates the data.
    package init(name: String, values: [Double], bins: Int = 40, interval68: ClosedRange<Double>? = nil,
                interval95: ClosedRange<Double>? = nil, reference: Double? = nil, temperature2: Double = 1) {
        self.name = name
        self.values = values
        self.bins = bins
        self.interval68 = interval68
        self.interval95 = interval95
        self.reference = reference
        self.temperature2 = temperature2
    }

    /// The data for parameter `j` of an MCMC result, with its 68%/95% central intervals.
    package init(result: MCMCResult, parameter j: Int, bins: Int = 40, reference: Double? = nil) {
        self.init(name: result.parameterNames[j], values: result.column(j), bins: bins,
                  interval68: result.lower68[j]...result.upper68[j], interval95: result.lower95[j]...result.upper95[j],
                  reference: reference, temperature2: result.options.temperature2)
    }
}

/// Builds a marginal-density histogram (normalised to unit area) with the central intervals marked.
package enum MarginalHistogramPlot {
    /// Bin edges (bins + 1) and densities (bins) of finite `values` over their range.
    package static func histogram(_ values: [Double], bins: Int) -> (edges: [Double], density: [Double]) {
        let v = values.filter(\.isFinite)
        guard let lo = v.min(), let hi = v.max(), bins > 0 else { return ([], []) }
        let span = hi > lo ? hi - lo : max(abs(lo) * 1e-3, 1e-9)
        let w = span / Double(bins)
        let edges = (0...bins).map { lo + Double($0) * w }
        var counts = [Double](repeating: 0, count: bins)
        for x in v { counts[min(bins - 1, max(0, Int((x - lo) / w)))] += 1 }
        return (edges, counts.map { $0 / (Double(v.count) * w) })
    }

    /// The figure. Throws a one-line `PDFEmuError` when there are no finite values or bins < 1.
    package static func figure(_ data: MarginalHistogramData) throws -> PlotFigure {
        guard data.bins >= 1 else { throw PDFEmuError(.step("histogram of \(data.name)"), "bins must be at least 1") }
        let (edges, density) = histogram(data.values, bins: data.bins)
        guard !density.isEmpty else { throw PDFEmuError(.step("histogram of \(data.name)"), "no finite samples") }
        let t2 = Fmt.num(data.temperature2, width: 0, digits: 4).trimmingCharacters(in: .whitespaces)
        var fig = PlotFigure(title: "Marginal posterior of \(data.name) (MCMC, T² = \(t2))", xLabel: data.name,
                             yLabel: "probability density")
        var outline = [PlotPoint(edges[0], 0)]
        for b in 0..<density.count {
            outline.append(PlotPoint(edges[b], density[b]))
            outline.append(PlotPoint(edges[b + 1], density[b]))
        }
        outline.append(PlotPoint(edges.last!, 0))
        fig.series.append(PlotSeries(label: "\(data.values.count) samples", points: outline, kind: .area(fillOpacity: 0.3),
                                     colour: "#1f77b4", lineWidth: 1.2))
        let top = density.max()!
        fig.yRange = 0...(top * 1.45)  // headroom for the legend above the marks
        fig.xRange = PlotAxis.range(of: edges + [data.reference].compactMap { $0 }, padding: 0.02)
        func mark(_ r: ClosedRange<Double>?, _ label: String, _ colour: String, _ dash: [Double]) {
            guard let r else { return }
            for (k, x) in [r.lowerBound, r.upperBound].enumerated() {
                fig.series.append(PlotSeries(label: k == 0 ? label : nil, points: [PlotPoint(x, 0), PlotPoint(x, top * 1.06)],
                                             kind: .line, colour: colour, dash: dash, lineWidth: 1.4))
            }
        }
        func f(_ x: Double) -> String { Fmt.num(x, width: 0, digits: 4).trimmingCharacters(in: .whitespaces) }
        mark(data.interval68, data.interval68.map { "68% central [\(f($0.lowerBound)), \(f($0.upperBound))]" } ?? "", "#2a7f2a", [6, 4])
        mark(data.interval95, data.interval95.map { "95% central [\(f($0.lowerBound)), \(f($0.upperBound))]" } ?? "", "#9467bd", [2, 3])
        if let r = data.reference {
            fig.series.append(PlotSeries(label: "best fit \(f(r))", points: [PlotPoint(r, 0), PlotPoint(r, top * 1.06)],
                                         kind: .line, colour: "black", lineWidth: 1.4))
        }
        return fig
    }

    /// The SVG text of the histogram.
    package static func svg(_ data: MarginalHistogramData) throws -> String { try figure(data).svg() }

    /// Writes the histogram to `path` atomically.
    package static func write(_ data: MarginalHistogramData, to path: String) throws { try figure(data).write(to: path) }
}
