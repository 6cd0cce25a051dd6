import Foundation
import PDFEmuCore
import PDFEmuIO

/// SMC's final particles (equally weighted posterior draws of exp(−χ²/(2T²)) on the prior box) as a points
/// file, so that a posterior — of the exact theory, say — can be evaluated by an oracle (`pdfemu chi2`)
/// and learned from. Exact copies (left by resampling) are kept once, with their count in `copies`, so no
/// row of the file repeats another.
///
/// Layout (docs/FORMAT.md, "Evidence particles"): `/parameters` [N, P] float64, `/parameter_names` [P],
/// `/model_chi2` [N] float64 (the sampled model's χ², not `/chi2`: the file is a points file, not a scan),
/// `/run` [N] int64 (0-based SMC run), `/copies` [N] int64; root attribute `format` = `formatTag`.
package struct EvidenceParticles: Sendable, Equatable {
    /// The `format` attribute of a particles file.
    package static let formatTag = "pdfemu-evidence-particles"

    /// Parameter names [P], in the model's order.
    package var parameterNames: [String]
    /// Distinct final particles [N × P] row-major, run after run (within a run, in cloud order).
    package var values: [Double]
    /// The sampled model's χ² at each particle [N] (emulated for an emulator, exact for a theory).
    package var modelChi2: [Double]
    /// The 0-based SMC run whose final cloud holds each particle [N] (the first, for a copy in two runs).
    package var run: [Int]
    /// How many copies of the particle the final clouds held [N] (≥ 1; Σ = the particles of all runs).
    package var copies: [Int]

    /// Number of distinct particles N.
    package var count: Int { modelChi2.count }

    /// The distinct final particles of `smc` (whose runs hold equally many particles each); nil when it
    /// holds none or its arrays disagree.
    package init?(parameterNames: [String], smc: SMCEstimate) {
        let p = parameterNames.count, total = smc.posteriorChi2.count
        guard p > 0, total > 0, smc.posterior.count == total * p, !smc.runs.isEmpty, total % smc.runs.count == 0 else { return nil }
        let perRun = total / smc.runs.count
        self.parameterNames = parameterNames
        values = []; modelChi2 = []; run = []; copies = []
        var index: [[UInt64]: Int] = [:]
        for r in 0..<total {
            let row = Array(smc.posterior[(r * p)..<((r + 1) * p)])
            let key = row.map(\.bitPattern)
            if let k = index[key] { copies[k] += 1; continue }
            index[key] = count
            values += row
            modelChi2.append(smc.posteriorChi2[r])
            run.append(r / perRun)
            copies.append(1)
        }
    }

    /// The particles as read from a file.
    package init(parameterNames: [String], values: [Double], modelChi2: [Double], run: [Int], copies: [Int]) {
        self.parameterNames = parameterNames; self.values = values; self.modelChi2 = modelChi2; self.run = run; self.copies = copies
    }

    /// Writes the particles to `path` (temporary file, then renamed), with `attributes` after `format`.
    package func write(to path: String, attributes: Provenance) throws {
        try AtomicOutput.write(to: path) { tmp in
            let f = try HDF5File(create: tmp)
            try f.writePoints(values, parameterNames: parameterNames, options: .compressed)
            try f.writeVector("/model_chi2", modelChi2)
            try f.writeIntegers("/run", run)
            try f.writeIntegers("/copies", copies)
            try f.writeProvenance([("format", Self.formatTag)] + attributes)
            try f.flush()
        }
    }

    /// Reads a particles file written by `write(to:attributes:)`; a missing dataset, another format or
    /// lengths that disagree name the file and the dataset.
    package static func read(_ path: String) throws -> EvidenceParticles {
        let points = try OraclePoints.read(path)
        let f = try HDF5File(open: path)
        guard (try? f.readStringAttribute("format")) == formatTag else {
            throw PDFEmuError(file: path, "is not an evidence particles file (attribute format is not \(formatTag))")
        }
        var columns: [String: [Double]] = [:]
        for name in ["/model_chi2", "/run", "/copies"] {
            guard f.isDataset(name) else { throw PDFEmuError(file: path, dataset: name, "no such dataset") }
            let v = try f.read(name, as: Double.self).values
            guard v.count == points.count else { throw PDFEmuError(file: path, dataset: name, "has \(v.count) rows, expected \(points.count)") }
            columns[name] = v
        }
        return EvidenceParticles(parameterNames: points.parameterNames, values: points.values, modelChi2: columns["/model_chi2"]!,
                                 run: columns["/run"]!.map { Int($0) }, copies: columns["/copies"]!.map { Int($0) })
    }
}
