import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuNetwork
import PDFEmuTheory
import PDFEmuAnalysis
import PDFEmuLearn

/// The text table and the bar chart of L2 sensitivities.
package enum L2Report {
    /// The summary: X₀, σ_X, both sides' λ, X and Δχ², and per experiment Δχ²_E at X₀ ± T·σ and the pull.
    fileprivate static func render(_ r: L2Result) -> String {
        func f(_ x: Double?, _ d: Int = 4) -> String { x.map { Fmt.num($0, width: 0, digits: d).trimmingCharacters(in: .whitespaces) } ?? "open" }
        let t2 = f(r.tolerance)
        var s = "L2 sensitivities of X = \(r.quantity)   χ²_min = \(Fmt.fixed(r.chi2Min, 4))   T² = \(t2)\n"
        s += "X₀ = \(f(r.central, 6))   Hessian error σ_X = \(f(r.sigma))   targets X₀ ± T·σ_X = \(f(r.minus.target, 6)), \(f(r.plus.target, 6))\n"
        for e in [r.minus, r.plus] {
            s += "  X₀ \(e.sign > 0 ? "+" : "−") T·σ: λ = \(f(e.lambda)), X = \(f(e.value, 6)), Δχ² = \(f(e.deltaChi2))\n"
        }
        s += "\n" + Fmt.pad("experiment", 26) + Fmt.pad("Δχ²_E(X₀−Tσ)", 15, right: true) + Fmt.pad("Δχ²_E(X₀+Tσ)", 15, right: true)
            + Fmt.pad("(+) − (−)", 12, right: true) + "  pulls X\n"
        let pull = r.pull
        for (i, name) in r.experimentNames.enumerated() {
            let lo = r.minus.perExperiment.count > i ? r.minus.perExperiment[i] : nil
            let hi = r.plus.perExperiment.count > i ? r.plus.perExperiment[i] : nil
            let direction = !pull[i].isFinite ? "" : pull[i] > 0 ? "down" : pull[i] < 0 ? "up" : "—"
            s += Fmt.pad(name, 26) + Fmt.pad(f(lo), 15, right: true) + Fmt.pad(f(hi), 15, right: true)
                + Fmt.pad(pull[i].isFinite ? f(pull[i]) : "", 12, right: true) + "  " + direction + "\n"
        }
        s += "(an experiment whose χ²_E grows more when X is raised than when it is lowered pulls X down)\n"
        for w in r.warnings { s += "warning: \(w)\n" }
        return s
    }

    /// The bar chart: per experiment, Δχ²_E at X₀ − T·σ and at X₀ + T·σ side by side, and their
    /// difference as a marker. Throws one line when neither side was reached.
    package static func figure(_ r: L2Result) throws -> PlotFigure {
        guard r.plus.openReason == nil || r.minus.openReason == nil else {
            throw PDFEmuError(.step("L2 plot of \(r.quantity)"), "neither X₀ + T·σ nor X₀ − T·σ was reached")
        }
        let t2 = Fmt.num(r.tolerance, width: 0, digits: 4).trimmingCharacters(in: .whitespaces)
        var fig = PlotFigure(title: "L2 sensitivities of \(r.quantity) (X₀ ± T·σ_X, T² = \(t2))", xLabel: "experiment",
                             yLabel: "Δχ²_E along the Lagrange path")
        let n = r.experimentNames.count
        fig.width = max(760, 90 * Double(n) + 160)
        fig.xCategories = r.experimentNames
        fig.xRange = -0.6...(Double(n) - 0.4)
        func bars(_ v: [Double], offset: Double) -> [PlotPoint] {
            // One closed outline per bar, joined along the zero line so that one polygon draws them all.
            var pts: [PlotPoint] = [PlotPoint(-0.6, 0)]
            for (i, y) in v.enumerated() where y.isFinite {
                let a = Double(i) + offset - 0.17, b = Double(i) + offset + 0.17
                pts += [PlotPoint(a, 0), PlotPoint(a, y), PlotPoint(b, y), PlotPoint(b, 0)]
            }
            return pts + [PlotPoint(Double(n) - 0.4, 0)]
        }
        func fmt(_ x: Double?) -> String { x.map { Fmt.num($0, width: 0, digits: 5).trimmingCharacters(in: .whitespaces) } ?? "open" }
        var all: [Double] = [0]
        if r.minus.openReason == nil {
            fig.series.append(PlotSeries(label: "at X = X₀ − T·σ = \(fmt(r.minus.value))", points: bars(r.minus.perExperiment, offset: -0.19),
                                         kind: .area(fillOpacity: 0.55), colour: "#1f77b4", lineWidth: 0.8))
            all += r.minus.perExperiment
        }
        if r.plus.openReason == nil {
            fig.series.append(PlotSeries(label: "at X = X₀ + T·σ = \(fmt(r.plus.value))", points: bars(r.plus.perExperiment, offset: 0.19),
                                         kind: .area(fillOpacity: 0.55), colour: "#ff7f0e", lineWidth: 0.8))
            all += r.plus.perExperiment
        }
        let pull = r.pull
        if pull.contains(where: \.isFinite) {
            fig.series.append(PlotSeries(label: "(+) − (−): > 0 pulls X down, < 0 pulls X up",
                                         points: pull.enumerated().map { PlotPoint(Double($0.offset), $0.element) },
                                         kind: .markers, colour: "black", marker: .diamond, markerSize: 10))
            all += pull
        }
        let yr = PlotAxis.range(of: all, padding: 0.08)
        fig.yRange = yr.lowerBound...(yr.upperBound + 0.35 * (yr.upperBound - yr.lowerBound))  // room for the legend
        fig.referenceLines = [PlotReferenceLine(horizontal: true, value: 0, colour: "black", dash: [])]
        fig.legendPosition = .topLeft
        fig.notes = ["Δχ²_E = χ²_E − χ²_E(minimum) at the minimum of χ² + λX with X = X₀ ± T·σ_X; X₀ = \(fmt(r.central)), σ_X = \(fmt(r.sigma))"]
        return fig
    }
}

extension L2Result {
    /// The terminal summary (`L2Report`).
    package func text() -> String { L2Report.render(self) }
}
