import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuAnalysis
import PDFEmuLearn

extension ScanPlots {
    /// Legend entry of the exact (refined) interval ends that are certified.
    package static let exactEndsLabel = "exact ends, refined (certified)"
    /// Legend entry of the exact (refined) interval ends that are not certified.
    package static let uncertifiedExactEndsLabel = "exact ends, refined (not certified)"
    /// Legend entry of the exact (refined) minimum.
    package static let exactMinimumLabel = "exact minimum, refined"

    /// Adds refine's answers on `pr`'s parameter as markers beside the emulator's curve and ends: each end
    /// at (its exact value, its true Δχ² = T² + the residual), filled blue diamonds where certified, open
    /// orange diamonds where not; the exact minimum at (its value of the parameter, 0) as a black square.
    /// An end refine left open (no accepted true point) has no marker.
    static func markExactAnswers(_ fig: inout PlotFigure, profile pr: ProfileResult, refine: RefineResult) {
        var minimumX: Double?
        if let m = refine.answers.first(where: { $0.kind == "minimum" }), let k = refine.parameterNames.firstIndex(of: pr.parameter),
           m.theta.indices.contains(k), m.theta[k].isFinite {
            minimumX = m.theta[k]
        }
        markExactAnswers(&fig, kind: "profile", name: pr.parameter, minimumX: minimumX, refine: refine)
    }

    /// As the profile version, for a Lagrange scan's plot: refine's ends of `l` (kind `lagrange`) at (q, true
    /// Δχ²), and the exact minimum at (q there, 0) when q is a linear expression of the parameters.
    static func markExactAnswers(_ fig: inout PlotFigure, lagrange l: LagrangeResult, refine: RefineResult) {
        var minimumX: Double?
        if let m = refine.answers.first(where: { $0.kind == "minimum" }), m.theta.count == refine.parameterNames.count,
           let e = try? LinearExpression(parsing: l.definition, parameterNames: refine.parameterNames) {
            let q = e.value(at: m.theta)
            if q.isFinite { minimumX = q }
        }
        markExactAnswers(&fig, kind: "lagrange", name: l.name, minimumX: minimumX, refine: refine)
    }

    /// The markers of refine's answers of `kind` on `name` (see the profile version); the minimum at
    /// (`minimumX`, 0) when given.
    static func markExactAnswers(_ fig: inout PlotFigure, kind: String, name: String, minimumX: Double?, refine: RefineResult) {
        var good: [PlotPoint] = [], bad: [PlotPoint] = []
        for a in refine.answers where a.kind == kind && a.parameter == name {
            guard let x = a.exactValue, x.isFinite, a.error.isFinite else { continue }
            let pt = PlotPoint(x, a.tolerance + a.error)
            if a.status == .certified { good.append(pt) } else { bad.append(pt) }
        }
        if !good.isEmpty {
            fig.series.append(PlotSeries(label: exactEndsLabel, points: good, kind: .markers, colour: "#1f4e9c",
                                         marker: .diamond, markerSize: 10))
        }
        if !bad.isEmpty {
            fig.series.append(PlotSeries(label: uncertifiedExactEndsLabel, points: bad, kind: .markers, colour: "#e07b00",
                                         marker: .diamond, filledMarker: false, markerSize: 11))
        }
        var all = good + bad
        if let m = refine.answers.first(where: { $0.kind == "minimum" }), let x = minimumX {
            let pt = PlotPoint(x, 0)
            all.append(pt)
            fig.series.append(PlotSeries(label: exactMinimumLabel + (m.status == .certified ? "" : " (not certified)"), points: [pt],
                                         kind: .markers, colour: "#000000", marker: .square, filledMarker: m.status == .certified,
                                         markerSize: 9))
        }
        // Keep every marker in view: an exact end can lie beyond the emulator's grid.
        if let x = fig.xRange, !all.isEmpty {
            let xs = all.map(\.x)
            let lo = min(x.lowerBound, xs.min()!), hi = max(x.upperBound, xs.max()!)
            let pad = (lo < x.lowerBound || hi > x.upperBound) ? 0.03 * (hi - lo) : 0
            fig.xRange = (lo - (lo < x.lowerBound ? pad : 0))...(hi + (hi > x.upperBound ? pad : 0))
        }
        if !all.isEmpty {
            fig.notes.append("diamonds: exact interval ends solved on the true χ² (pdfemu refine), at their true Δχ²; square: the exact minimum")
        }
    }
}
