import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuNetwork
import PDFEmuTheory
import PDFEmuAnalysis
import PDFEmuLearn

/// SVG profiles of two scans overlaid: `compare_profile_NAME.svg` for every parameter profiled in both,
/// the exact profile (solid, with its Hessian parabola and interval ends) and the other (dashed, with
/// its interval ends as open diamonds). When the other is a refined scan (`otherRefine`, its `/refine`),
/// its ends are drawn as the emulator's and refine's exact ends and minimum are marked apart.
package enum ComparisonPlots {
    /// The figures with their file names, in the exact scan's profile order.
    package static func figures(exact: ScanResult, other: ScanResult, exactLabel: String = "exact",
                               otherLabel: String = "other", otherRefine: RefineResult? = nil) throws -> [(file: String, figure: PlotFigure)] {
        var out: [(String, PlotFigure)] = []
        let otherColour = "#d62728"
        for pe in exact.profiles {
            guard let po = other.profiles.first(where: { $0.parameter == pe.parameter }) else { continue }
            var fig = try ProfilePlot.figure(ScanPlots.profileData(pe, in: exact))
            fig.title = "Profile of \(pe.parameter): \(otherLabel) vs \(exactLabel)"
            for k in fig.series.indices where fig.series[k].label == "profile" { fig.series[k].label = "\(exactLabel) (exact)" }
            let pts = po.values.indices.filter { po.values[$0].isFinite && po.deltaChi2[$0].isFinite }
                .sorted { po.values[$0] < po.values[$1] }.map { PlotPoint(po.values[$0], po.deltaChi2[$0]) }
            fig.series.append(PlotSeries(label: otherLabel, points: pts, kind: .lineAndMarkers, colour: otherColour,
                                         dash: [6, 3], marker: .circle, filledMarker: false, lineWidth: 1.8, markerSize: 5))
            var ends = po.intervals.flatMap { iv in [iv.lower, iv.upper].compactMap { $0 }.map { PlotPoint($0, iv.tolerance) } }
            if let otherRefine {
                // A refined file's intervals are refine's exact ends: draw the emulator's beside them.
                ends = otherRefine.answers.filter { $0.kind == "profile" && $0.parameter == pe.parameter }
                    .compactMap { a in a.emulatorValue.map { PlotPoint($0, a.tolerance) } }
            }
            if !ends.isEmpty {
                fig.series.append(PlotSeries(label: "\(otherLabel) \(otherRefine == nil ? "" : "emulator ")interval ends", points: ends,
                                             kind: .markers, colour: otherColour, marker: .diamond, filledMarker: false, markerSize: 11))
            }
            if let otherRefine { ScanPlots.markExactAnswers(&fig, profile: po, refine: otherRefine) }
            if let x = fig.xRange {
                let all = pts.map(\.x) + ends.map(\.x)
                fig.xRange = min(x.lowerBound, all.min() ?? x.lowerBound)...max(x.upperBound, all.max() ?? x.upperBound)
            }
            out.append(("compare_profile_" + ScanPlots.fileSafe(pe.parameter) + ".svg", fig))
        }
        return out
    }

    /// Builds every figure, creates `dir` if missing (its parent must exist), writes each atomically.
    /// Returns the paths written; nothing is written if a figure cannot be built.
    @discardableResult
    package static func write(exact: ScanResult, other: ScanResult, exactLabel: String = "exact", otherLabel: String = "other",
                             otherRefine: RefineResult? = nil, to dir: String) throws -> [String] {
        try ScanPlots.validateDirectory(dir)
        let figs = try figures(exact: exact, other: other, exactLabel: exactLabel, otherLabel: otherLabel, otherRefine: otherRefine)
        return try ScanPlots.writeFigures(figs, to: dir)
    }
}
