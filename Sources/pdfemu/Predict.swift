import ArgumentParser
import Foundation
import PDFEmu

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Evaluate an emulator at the points of an HDF5 file.")

    @OptionGroup var emulatorFile: EmulatorFileArguments
    var emulator: String { emulatorFile.emulator }
    @Option(help: "Points file with /parameters [N,P] and /parameter_names (matched by name).") var input: String
    @OptionGroup var outputFile: OutputArguments<OutputHelp>
    var output: String? { outputFile.output }
    enum OutputHelp: OptionHelp { static let help: ArgumentHelp = "Write /chi2, /chi2_std, /chi2_per_experiment here (HDF5) instead of printing a table." }

    func run() throws {
        try PDFEmuCommand.guarded {
            if let output {
                try AtomicOutput.validateOutput(output, protecting: [("--emulator", emulator), ("--input", input)])
            }
            let emu = try Emulator.load(emulator)
            let points = try PredictRunner.readPoints(input, for: emu)
            let pred = emu.predictBatch(points)
            if let output {
                try PredictRunner.write(output, emulator: emu, points: points, prediction: pred)
                print("wrote \(pred.value.count) predictions to \(output) (\(emu.spreadStatus.label))")
                return
            }
            let p = emu.parameterNames.count
            print(emu.spreadStatus.label)
            let label = emu.targetIsChi2 ? "chi2" : emu.targetName
            print(Fmt.pad("row", 6) + Fmt.pad(label, 14, right: true) + (emu.members.count > 1 ? Fmt.pad(emu.calibration == nil ? "± raw σ" : "± calib. σ", 12, right: true) : "")
                  + Fmt.pad(emu.targetIsChi2 ? "Δχ² vs min" : "", 12, right: true) + "  inside training domain")
            for i in 0..<pred.value.count {
                let theta = Array(points[(i * p)..<((i + 1) * p)])
                let d = emu.domain(at: theta)
                var line = Fmt.pad(String(i), 6) + Fmt.pad(Fmt.fixed(pred.value[i], 4), 14, right: true)
                if emu.members.count > 1 { line += Fmt.pad(Fmt.fixed(pred.spread[i], 4), 12, right: true) }
                if emu.targetIsChi2 { line += Fmt.pad(Fmt.fixed(pred.value[i] - emu.sampleMinimum, 4), 12, right: true) }
                line += "  " + (d.inside ? "yes" : "NO (\(d.inBox ? "in box, far from training points" : "outside the training box"))")
                print(line)
            }
        }
    }
}
