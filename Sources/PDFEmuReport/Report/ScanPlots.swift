import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuNetwork
import PDFEmuTheory
import PDFEmuAnalysis
import PDFEmuLearn

/// The SVG plots of a scan result: `profile_NAME.svg` per 1D profile (with a panel of the per-experiment
/// Δχ²_E when the model has per-experiment outputs), `contour_A_B.svg` per contour,
/// `lagrange_qK.svg` per Lagrange scan, `mcmc_NAME.svg` per MCMC marginal.
package enum ScanPlots {
    /// The figures, with their file names, in unit order (MCMC marginals last). Throws one line if a
    /// figure cannot be built (e.g. a profile without finite points).
    /// With a verification, profile plots also mark the true Δχ² at each verified interval end; with a
    /// refine result (of `r`'s answers), the exact ends and the exact minimum.
    package static func figures(_ r: ScanResult, verification: Verification? = nil,
                                refine: RefineResult? = nil) throws -> [(file: String, figure: PlotFigure)] {
        var out: [(String, PlotFigure)] = []
        let theta = r.minimum.theta
        for pr in r.profiles {
            var fig = try ProfilePlot.figure(profileData(pr, in: r))
            if let v = verification { markTrueValues(&fig, profile: pr, verification: v) }
            if let refine { markExactAnswers(&fig, profile: pr, refine: refine) }
            out.append(("profile_" + fileSafe(pr.parameter) + ".svg", fig))
        }
        for c in r.contours {
            guard let a = r.parameterNames.firstIndex(of: c.a), let b = r.parameterNames.firstIndex(of: c.b) else {
                throw PDFEmuError(.step("contour \(c.a), \(c.b)"), "unknown parameter")
            }
            var cov: [Double]?
            if let aa = r.hessian.covariance(a, a), let ab = r.hessian.covariance(a, b), let bb = r.hessian.covariance(b, b),
               aa > 0, bb > 0, aa * bb - ab * ab > 0 {
                cov = [aa, ab, ab, bb]
            }
            var outside: [PlotPoint] = []
            let levels = c.levels.map { l -> ContourPlotLevel in
                let pts = l.a.indices.map { PlotPoint(l.a[$0], l.b[$0]) }
                outside += l.a.indices.filter { $0 < l.inside.count && !l.inside[$0] }.map { pts[$0] }
                return ContourPlotLevel(level: l.level, polygons: [pts])
            }
            let data = ContourPlotData(xName: c.a, yName: c.b, bestFit: PlotPoint(theta[a], theta[b]), levels: levels,
                                       outsidePoints: outside, hessianCovariance: cov)
            out.append(("contour_" + fileSafe(c.a) + "_" + fileSafe(c.b) + ".svg", try ContourPlot.figure(data)))
        }
        for l in r.lagrange {
            let data = ProfilePlotData(name: l.name, values: l.q, deltaChi2: l.deltaChi2, inside: l.inside, bestFit: l.best,
                                       hessianSigma: l.sigma.isFinite ? l.sigma : nil, levels: r.tolerances,
                                       intervals: plotIntervals(l.intervals))
            var fig = try ProfilePlot.figure(data)
            fig.title = "Lagrange scan of \(l.name) = \(l.definition)"
            fig.xLabel = "\(l.name) = \(l.definition)"
            fig.notes[0] = "Δχ² = χ² − χ²_min at the minimum of χ² + λ·\(l.name), one point per λ; dashed lines: Δχ² = T² levels"
            for k in fig.series.indices where fig.series[k].label == "profile" { fig.series[k].label = "minima of χ² + λ·\(l.name)" }
            if let refine { markExactAnswers(&fig, lagrange: l, refine: refine) }
            out.append(("lagrange_" + fileSafe(l.name) + ".svg", fig))
        }
        if let mc = r.mcmc {
            let res = mc.combined
            for (j, name) in res.parameterNames.enumerated() {
                let ref = r.parameterNames.firstIndex(of: name).map { theta[$0] }
                var fig = try MarginalHistogramPlot.figure(MarginalHistogramData(result: res, parameter: j, reference: ref))
                fig.yLabel = "probability density (per unit of \(name))"
                fig.notes = ["\(mc.chains.count) MCMC run(s), \(res.method) sampler; histogram normalised to unit area"]
                out.append(("mcmc_" + fileSafe(name) + ".svg", fig))
            }
        }
        return out
    }

    /// The SVG text of every plot, with their file names: the figures of `figures(_:)`, where each
    /// profile of a model with per-experiment outputs gets a panel below with every experiment's Δχ²_E
    /// (χ²_E − χ²_E at the minimum) along the profile.
    package static func svgs(_ r: ScanResult, verification: Verification? = nil,
                             refine: RefineResult? = nil) throws -> [(file: String, svg: String)] {
        let figs = try figures(r, verification: verification, refine: refine)
        return figs.map { item -> (String, String) in
            guard let pr = r.profiles.first(where: { "profile_" + fileSafe($0.parameter) + ".svg" == item.file }),
                  let panel = experimentPanel(pr, experiments: r.experimentNames, like: item.figure) else {
                return (item.file, item.figure.svg())
            }
            var main = item.figure
            main.clipID = "profile_main"
            return (item.file, PlotPanels.stack([main, panel]).render())
        }
    }

    /// The per-experiment panel of profile `pr` on the x range of `main` (nil without per-experiment values).
    static func experimentPanel(_ pr: ProfileResult, experiments: [String], like main: PlotFigure) -> PlotFigure? {
        let e = experiments.count
        guard e > 0, pr.perExperiment.count == pr.values.count, pr.perExperiment.allSatisfy({ $0.count == e }) else { return nil }
        let order = pr.values.indices.filter { pr.values[$0].isFinite }.sorted { pr.values[$0] < pr.values[$1] }
        var fig = PlotFigure(title: "", xLabel: pr.parameter, yLabel: "Δχ²_E per experiment")
        fig.width = main.width
        fig.height = 300 + 19 * Double(max(0, e - 4))
        fig.xRange = main.xRange
        fig.clipID = "profile_experiments"
        var shown: [Double] = [0]
        for j in 0..<e {
            let pts = order.map { PlotPoint(pr.values[$0], pr.perExperiment[$0][j]) }
            shown += pts.filter { main.xRange?.contains($0.x) ?? true }.map(\.y)
            fig.series.append(PlotSeries(label: experiments[j], points: pts, colour: plotSeriesColours[j % plotSeriesColours.count],
                                         dash: j < plotSeriesColours.count ? [] : [6, 3], lineWidth: 1.6))
        }
        // As the profile panel: cut at its Δχ² cap, so that one far-off experiment does not flatten the others.
        let cap = main.yRange?.upperBound ?? .infinity
        let finite = shown.filter(\.isFinite)
        fig.yRange = PlotAxis.range(of: finite.map { min(max($0, -cap), cap) }, padding: 0.06)
        fig.referenceLines = [PlotReferenceLine(horizontal: true, value: 0, colour: "#aaaaaa", dash: [])]
        fig.notes = ["Δχ²_E = χ²_E at the profiled point − χ²_E at the global minimum (need not add up to the total)"]
        return fig
    }

    /// The plot data of profile `pr` of result `r` (with its Hessian parabola, levels and interval ends).
    static func profileData(_ pr: ProfileResult, in r: ScanResult) -> ProfilePlotData {
        ProfilePlotData(name: pr.parameter, values: pr.values, deltaChi2: pr.deltaChi2, inside: pr.inside,
                        bestFit: pr.best, hessianSigma: r.hessian.sigma(ofParameter: pr.index),
                        levels: r.tolerances, intervals: plotIntervals(pr.intervals))
    }

    /// Interval ends as plot intervals.
    static func plotIntervals(_ v: [ProfileInterval]) -> [ProfilePlotInterval] {
        v.map { ProfilePlotInterval(level: $0.tolerance, lower: $0.lower, upper: $0.upper) }
    }

    /// Checks that `dir` is a writable directory, or can be created (its parent exists); throws one line otherwise.
    package static func validateDirectory(_ dir: String) throws {
        guard !dir.isEmpty else { throw SettingError(.plotDirectory, "empty directory name") }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) {
            guard isDir.boolValue else { throw SettingError(.plotDirectory, dir, "exists and is not a directory") }
            guard FileManager.default.isWritableFile(atPath: dir) else { throw SettingError(.plotDirectory, dir, "directory is not writable") }
            return
        }
        let parent = URL(fileURLWithPath: dir).standardizedFileURL.deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDir), isDir.boolValue else {
            throw SettingError(.plotDirectory, dir, "parent directory \(parent) does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: parent) else {
            throw SettingError(.plotDirectory, dir, "parent directory \(parent) is not writable")
        }
    }

    /// Plots written to temporary files in their directory, not yet in place: `commit()` renames them
    /// over their targets, `discard()` removes them (and the directory if staging created it).
    package struct Staged {
        /// The directory.
        package let directory: String
        /// (temporary path, final path) of each plot.
        package let files: [(temporary: String, final: String)]
        let createdDirectory: Bool

        /// Moves every plot into place; returns the final paths.
        @discardableResult
        package func commit() throws -> [String] {
            for f in files where rename(f.temporary, f.final) != 0 {
                let why = String(cString: strerror(errno))
                discard()
                throw SettingError(.plotDirectory, directory, "cannot move \(URL(fileURLWithPath: f.final).lastPathComponent) into place: \(why)")
            }
            return files.map(\.final)
        }

        /// Removes the temporary files (and the directory if staging created it and it is empty).
        package func discard() {
            for f in files { unlink(f.temporary) }
            if createdDirectory { rmdir(directory) }
        }
    }

    /// Does everything that can fail before any plot replaces a file: builds every figure, checks each
    /// target name (at most 255 bytes, not an existing directory), creates `dir` if missing (its parent
    /// must exist) and writes each SVG to a temporary file there. Throws one line, leaving nothing, on
    /// any failure.
    package static func stage(_ r: ScanResult, verification: Verification? = nil, refine: RefineResult? = nil,
                              in dir: String) throws -> Staged {
        try validateDirectory(dir)
        return try stage(svgs: try svgs(r, verification: verification, refine: refine), in: dir)
    }

    /// Adds the true Δχ² at the verified interval ends of `pr` as markers: filled green where the
    /// answer is certified, open red crosses where it is not.
    static func markTrueValues(_ fig: inout PlotFigure, profile pr: ProfileResult, verification v: Verification) {
        let prefix = "profile/\(pr.parameter) "
        var good: [PlotPoint] = [], bad: [PlotPoint] = []
        for p in v.points where v.answers[p.answer].name.hasPrefix(prefix) && p.trueDelta.isFinite {
            let pt = PlotPoint(p.theta[pr.index], p.trueDelta)
            if v.answers[p.answer].certified { good.append(pt) } else { bad.append(pt) }
        }
        if !good.isEmpty {
            fig.series.append(PlotSeries(label: "true Δχ² (certified)", points: good, kind: .markers, colour: "#2ca02c",
                                         marker: .circle, markerSize: 8))
        }
        if !bad.isEmpty {
            fig.series.append(PlotSeries(label: "true Δχ² (not certified)", points: bad, kind: .markers, colour: "#d62728",
                                         marker: .cross, filledMarker: false, markerSize: 10))
        }
    }


    /// Stages already built figures in `dir` (see `stage(_:in:)`).
    package static func stage(figures figs: [(file: String, figure: PlotFigure)], in dir: String) throws -> Staged {
        try stage(svgs: figs.map { ($0.file, $0.figure.svg()) }, in: dir)
    }

    /// Stages SVG texts in `dir` under their file names (see `stage(_:in:)`).
    package static func stage(svgs figs: [(file: String, svg: String)], in dir: String) throws -> Staged {
        try validateDirectory(dir)
        for (file, _) in figs {
            if file.utf8.count > 255 {
                throw SettingError(.plotDirectory, dir, "plot file name \"\(file.prefix(40))…\" is \(file.utf8.count) bytes, more than 255")
            }
            var isDir: ObjCBool = false
            let path = URL(fileURLWithPath: dir).appendingPathComponent(file).path
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
                throw SettingError(.plotDirectory, dir, "\(file) is a directory")
            }
        }
        var created = false
        if !FileManager.default.fileExists(atPath: dir) {
            do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false) } catch {
                throw SettingError(.plotDirectory, dir, "cannot create directory: \(error.localizedDescription)")
            }
            created = true
        }
        var files: [(temporary: String, final: String)] = []
        let tag = "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        for (i, (file, fig)) in figs.enumerated() {
            let final = URL(fileURLWithPath: dir).appendingPathComponent(file).path
            let tmp = URL(fileURLWithPath: dir).appendingPathComponent(".pdfemu-plot-\(tag)-\(i).tmp").path
            files.append((tmp, final))
            guard FileManager.default.createFile(atPath: tmp, contents: Data(fig.utf8)) else {
                Staged(directory: dir, files: files, createdDirectory: created).discard()
                throw SettingError(.plotDirectory, dir, "cannot write \(file)")
            }
        }
        return Staged(directory: dir, files: files, createdDirectory: created)
    }

    /// Builds every figure, creates `dir` if missing (its parent must exist), then moves each file into
    /// place. Returns the paths written. Nothing is written if a figure cannot be built or written.
    @discardableResult
    package static func write(_ r: ScanResult, to dir: String) throws -> [String] {
        try stage(r, in: dir).commit()
    }

    /// Writes already built figures into `dir` the same way (staged, then moved into place).
    @discardableResult
    static func writeFigures(_ figs: [(file: String, figure: PlotFigure)], to dir: String) throws -> [String] {
        try stage(figures: figs, in: dir).commit()
    }

    /// `name` with every character other than letters, digits, '-', '_' and '.' replaced by '_'.
    package static func fileSafe(_ name: String) -> String {
        String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") ? $0 : "_" })
    }
}

extension Setting {
    /// The directory plots are written to.
    package static let plotDirectory = Setting("plot.directory")
}
