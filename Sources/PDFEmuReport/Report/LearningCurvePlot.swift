import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuNetwork
import PDFEmuTheory
import PDFEmuAnalysis
import PDFEmuLearn

/// The learning curve of `pdfemu learn` (curve.tsv → curve.svg): for each answer group (a profile's
/// or Lagrange scan's ends, a contour, the minimum, MCMC), the largest verified error relative to its
/// ε, log₁₀, against the number of χ² evaluations; the line y = 0 is ε.
package enum LearningCurvePlot {
    /// Reads `curve.tsv` and writes the SVG to `path`. Throws one line if the table is missing or empty.
    package static func write(curveTable: String, to path: String) throws {
        try figure(curveTable: curveTable).write(to: path)
    }

    /// The figure of `curve.tsv`.
    package static func figure(curveTable: String) throws -> PlotFigure {
        guard let text = try? String(contentsOfFile: curveTable, encoding: .utf8) else { throw PDFEmuError(file: curveTable, "cannot be read") }
        // group → evaluations → largest error/ε
        var groups: [String: [Int: Double]] = [:]
        var order: [String] = []
        var refineStart: Int?, lastRound = 0, refined = false
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 7, let n = Int(f[1]), let err = Double(f[4]), let eps = Double(f[5]), eps > 0 else { continue }
            if f[0] == "refine" { refined = true } else { lastRound = max(lastRound, n) }
            let group = String(f[2].split(separator: " ").first ?? "")
            if groups[group] == nil { order.append(group) }
            let r = err.isFinite ? err / eps : 1e3
            groups[group, default: [:]][n] = max(groups[group]?[n] ?? 0, r)
        }
        guard !groups.isEmpty else { throw PDFEmuError(file: curveTable, "no rounds recorded") }
        let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
        var fig = PlotFigure(title: "Learning curve: largest verified error per answer", xLabel: "χ² evaluations",
                             yLabel: "log₁₀(|Δχ²_emu − Δχ²_true| / ε)")
        for (k, g) in order.enumerated() {
            let pts = groups[g]!.sorted { $0.key < $1.key }.map { PlotPoint(Double($0.key), log10(max($0.value, 1e-3))) }
            fig.series.append(PlotSeries(label: g, points: pts, kind: .lineAndMarkers, colour: palette[k % palette.count],
                                         dash: k < palette.count ? [] : [5, 3], lineWidth: 1.5, markerSize: 5))
        }
        fig.referenceLines.append(PlotReferenceLine(horizontal: true, value: 0, label: "ε (certified below)", colour: "#333333"))
        fig.notes = ["one point per round; an answer's error is the largest over its points and T² levels; 10³ marks an undefined or open answer"]
        if refined { refineStart = lastRound }
        if let refineStart {
            fig.referenceLines.append(PlotReferenceLine(horizontal: false, value: Double(refineStart), label: "refine", colour: "#1f4e9c"))
            fig.notes.append("after the line: refine on the true χ² (after 1, 2, 4, … iterations), the certificate's residual |Δχ²_true − T²|/ε or stat/δ")
        }
        return fig
    }
}
