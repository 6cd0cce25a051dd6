import ArgumentParser
import Foundation
import PDFEmu

struct Chi2: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate the exact χ² of an FK theory at the points of an HDF5 file; write a scan file.")

    @OptionGroup var theory: TheoryArguments
    @Option(help: "Points file with /parameters [N,P] and /parameter_names (columns matched by name).") var input: String
    @Option(help: "Scan file to write (/parameters, /chi2, /chi2_per_experiment, …, with provenance).") var output: String

    func run() throws {
        try PDFEmuCommand.guarded {
            try AtomicOutput.checkWritable(output)
            try AtomicOutput.checkDistinct(output: output, inputs: [input, theory.theory])
            let model = try theory.load()
            BLAS.setThreads(1)   // the batch spreads its chunks over the cores itself
            let points = try PredictRunner.readPoints(input, parameterNames: model.parameterNames, neededBy: "the theory χ²")
            let n = points.count / model.parameterNames.count
            let bar = ProgressBar(enabled: n >= 20_000)
            let start = DispatchTime.now().uptimeNanoseconds
            let result = model.evaluateBatch(points) { done in
                bar.update(fraction: Double(done) / Double(n), text: "\(done)/\(n) points")
            }
            bar.clear()
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            var attrs = try TheoryScanFile.provenance(model, theorySHA256: try SHA256.hex(file: theory.theory))
            attrs["points_file"] = input
            try TheoryScanFile.write(output, model: model, points: points, result: result, attributes: attrs)
            print("wrote \(n) exact χ² values (\(model.ndata) data points, \(model.parameterNames.count) free parameters) to \(output) "
                  + "in \(Fmt.fixed(seconds, 2)) s (\(Int(Double(n) / max(seconds, 1e-9))) points/s)")
            let note = result.undefinedNote()
            if !note.isEmpty { print("note: " + note) }
        }
    }
}
