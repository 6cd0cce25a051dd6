import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuNetwork
import PDFEmuTheory
import PDFEmuAnalysis
import PDFEmuLearn

/// SVG plots of PDF bands: one file `band_FLAVOUR.svg` per flavour, x·f(x, Q0²) with the central member,
/// the asymmetric Hessian band (shaded), the symmetric band (dashed) and the MCMC 68% envelope when
/// present, over a split x axis (log below 0.1, linear above), and a ratio-to-central panel below.
package enum PDFBandPlots {
    /// Axis title of a flavour's x·f.
    static func quantityLabel(_ flavour: String) -> String {
        let symbol = ["g": "g", "uv": "u_v", "dv": "d_v", "Ubar": "Ū", "Dbar": "D̄", "s": "s"][flavour] ?? flavour
        return "x·\(symbol)(x, Q0²)"
    }

    /// The two panels of flavour `f` of `r`, composed into one SVG document.
    package static func document(_ r: PDFBandResult, flavour f: Int, setLabel: String) -> SVGDocument {
        let x = r.x
        let name = r.flavourNames[f]
        let central = r.central[f]
        let upper = zip(central, r.plus[f]).map { $0 + $1 }, lower = zip(central, r.minus[f]).map { $0 - $1 }
        let symUp = zip(central, r.symmetric[f]).map { $0 + $1 }, symDown = zip(central, r.symmetric[f]).map { $0 - $1 }
        let t2 = Fmt.num(r.tolerance, width: 0, digits: 4).trimmingCharacters(in: .whitespaces)
        let xr = x.first!...x.last!
        let scale = PlotXScale.logLinear(split: PDFBands.xSplit, logFraction: 0.5)
        let bandColour = "#1f77b4", mcmcColour = "#d62728"

        func band(_ lo: [Double], _ hi: [Double]) -> [PlotPoint] {
            x.indices.map { PlotPoint(x[$0], hi[$0]) } + x.indices.reversed().map { PlotPoint(x[$0], lo[$0]) }
        }
        func line(_ v: [Double]) -> [PlotPoint] { x.indices.map { PlotPoint(x[$0], v[$0]) } }
        func ratio(_ v: [Double]) -> [Double] { zip(v, central).map { $1 != 0 ? $0 / $1 : .nan } }
        let split = PlotReferenceLine(horizontal: false, value: PDFBands.xSplit, label: nil, colour: "#888888", dash: [2, 3])

        var top = PlotFigure(title: "\(quantityLabel(name)) at Q0² = \(Fmt.num(PDFBands.q0Squared, width: 0, digits: 3)) GeV² — \(setLabel)",
                             xLabel: "", yLabel: quantityLabel(name))
        top.width = 820; top.height = 470
        top.xScale = scale; top.xRange = xr; top.clipID = "band_main"
        top.series.append(PlotSeries(label: "Hessian band (asymmetric, T² = \(t2))", points: band(lower, upper),
                                     kind: .area(fillOpacity: 0.28), colour: bandColour, lineWidth: 0.6))
        top.series.append(PlotSeries(label: "symmetric ±ΔX", points: line(symUp), colour: bandColour, dash: [5, 4], lineWidth: 1.2))
        top.series.append(PlotSeries(label: nil, points: line(symDown), colour: bandColour, dash: [5, 4], lineWidth: 1.2))
        top.series.append(PlotSeries(label: "central member (0)", points: line(central), colour: "black", lineWidth: 1.8))
        var mainValues = upper + lower + central
        if let e = r.mcmc {
            top.series.append(PlotSeries(label: "MCMC 68% envelope (\(e.samples) samples, T² = \(Fmt.num(e.temperature2, width: 0, digits: 4).trimmingCharacters(in: .whitespaces)))", points: line(e.upper[f]),
                                         colour: mcmcColour, dash: [8, 3, 2, 3], lineWidth: 1.6))
            top.series.append(PlotSeries(label: nil, points: line(e.lower[f]), colour: mcmcColour, dash: [8, 3, 2, 3], lineWidth: 1.6))
            mainValues += e.upper[f] + e.lower[f]
        }
        top.referenceLines = [split, PlotReferenceLine(horizontal: true, value: 0, colour: "#aaaaaa", dash: [])]
        top.yRange = PlotAxis.range(of: mainValues + [0], padding: 0.06)
        let members = r.memberFound.dropFirst().filter { $0 }.count
        top.notes = ["\(members) eigenvector members; band: master formulas (ΔX± = √Σ max(±(X± − X₀), 0)², ΔX = ½√Σ(X₊ − X₋)²) at each x"]

        var bottom = PlotFigure(title: "", xLabel: "x   (log scale below x = 0.1, linear above; dotted line)", yLabel: "ratio to central")
        bottom.width = 820; bottom.height = 250
        bottom.xScale = scale; bottom.xRange = xr; bottom.clipID = "band_ratio"
        bottom.series.append(PlotSeries(label: nil, points: band(ratio(lower), ratio(upper)), kind: .area(fillOpacity: 0.28),
                                        colour: bandColour, lineWidth: 0.6))
        bottom.series.append(PlotSeries(label: nil, points: line(ratio(symUp)), colour: bandColour, dash: [5, 4], lineWidth: 1.2))
        bottom.series.append(PlotSeries(label: nil, points: line(ratio(symDown)), colour: bandColour, dash: [5, 4], lineWidth: 1.2))
        var ratioValues = ratio(upper) + ratio(lower)
        if let e = r.mcmc {
            bottom.series.append(PlotSeries(label: nil, points: line(ratio(e.upper[f])), colour: mcmcColour, dash: [8, 3, 2, 3], lineWidth: 1.6))
            bottom.series.append(PlotSeries(label: nil, points: line(ratio(e.lower[f])), colour: mcmcColour, dash: [8, 3, 2, 3], lineWidth: 1.6))
            ratioValues += ratio(e.upper[f]) + ratio(e.lower[f])
        }
        bottom.referenceLines = [split, PlotReferenceLine(horizontal: true, value: 1, colour: "black", dash: [])]
        // The ratio's range from x ≤ 0.8 where |x·f| is at least 10% of its largest value (towards x = 1, and
        // where x·g crosses zero, the ratio diverges), at most [−1, 3]; the clip path cuts the rest.
        let big = central.map(abs).filter(\.isFinite).max() ?? 0
        let shown = x.indices.filter { x[$0] <= 0.8 && abs(central[$0]) >= 0.1 * big }
        let kept = shown.flatMap { k in stride(from: k, to: ratioValues.count, by: x.count) }.map { ratioValues[$0] }
        var yr = PlotAxis.range(of: kept + [1], padding: 0.08)
        yr = max(yr.lowerBound, -1)...min(yr.upperBound, 3)
        if yr.upperBound - yr.lowerBound < 1e-6 { yr = (1 - 1e-3)...(1 + 1e-3) }
        bottom.yRange = yr
        bottom.notes = ["ratio axis chosen from x ≤ 0.8 where |x·f| ≥ 10% of its maximum (the ratio diverges where x·f vanishes)"]

        return PlotPanels.stack([top, bottom])
    }

    /// The summary: per flavour, x·f of the central member with its symmetric and asymmetric
    /// uncertainties (and the MCMC 68% envelope) at a few x of the grid.
    fileprivate static func render(_ r: PDFBandResult) -> String {
        func f(_ v: Double) -> String { Fmt.num(v, width: 0, digits: 4).trimmingCharacters(in: .whitespaces) }
        let members = r.memberFound.dropFirst().filter { $0 }.count
        var s = "PDF bands at Q0² = \(f(PDFBands.q0Squared)) GeV²: \(r.x.count) x values in [\(f(r.x.first!)), \(f(r.x.last!))], "
            + "\(members) of \(r.memberFound.count - 1) eigenvector members, T² = \(f(r.tolerance))"
            + (r.mcmc.map { ", MCMC envelope of \($0.samples) samples" } ?? "") + "\n"
        let shown = [1e-3, 1e-2, 0.1, 0.3, 0.6].compactMap { want in r.x.indices.min { abs(log(r.x[$0] / want)) < abs(log(r.x[$1] / want)) } }
        s += Fmt.pad("flavour", 8) + Fmt.pad("x", 10, right: true) + Fmt.pad("x·f", 12, right: true) + Fmt.pad("±sym", 11, right: true)
            + Fmt.pad("+asym", 11, right: true) + Fmt.pad("−asym", 11, right: true) + (r.mcmc == nil ? "" : Fmt.pad("MCMC 68%", 24, right: true)) + "\n"
        for (a, name) in r.flavourNames.enumerated() {
            for k in shown {
                s += Fmt.pad(name, 8) + Fmt.pad(f(r.x[k]), 10, right: true) + Fmt.pad(f(r.central[a][k]), 12, right: true)
                    + Fmt.pad(f(r.symmetric[a][k]), 11, right: true) + Fmt.pad(f(r.plus[a][k]), 11, right: true)
                    + Fmt.pad(f(r.minus[a][k]), 11, right: true)
                if let e = r.mcmc { s += Fmt.pad("[\(f(e.lower[a][k])), \(f(e.upper[a][k]))]", 24, right: true) }
                s += "\n"
            }
        }
        for w in r.warnings { s += "warning: \(w)\n" }
        return s
    }

    /// The figures of every flavour, with their file names `band_FLAVOUR.svg`.
    package static func documents(_ r: PDFBandResult, setLabel: String) -> [(file: String, document: SVGDocument)] {
        r.flavourNames.indices.map { ("band_" + ScanPlots.fileSafe(r.flavourNames[$0]) + ".svg", document(r, flavour: $0, setLabel: setLabel)) }
    }
}

extension PDFBandResult {
    /// The terminal summary (`PDFBandPlots`).
    package func text() -> String { PDFBandPlots.render(self) }
}
