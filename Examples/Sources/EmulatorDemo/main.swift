// Loads a pdfemu emulator and prints χ², its exact gradient and the domain check at its best training point
// and at a shifted point. Usage: EmulatorDemo [EMULATOR.h5] (default: ../Datasets/hera14_emulator.h5).
import Foundation
import PDFEmu

let path = CommandLine.arguments.dropFirst().first ?? "../Datasets/hera14_emulator.h5"
do {
    let emulator = try Emulator.load(path)
    let best = emulator.bestTrainingPoints[0]
    var shifted = best
    shifted[0] += 0.01
    for (label, theta) in [("best training point", best), ("first parameter + 0.01", shifted)] {
        let (chi2, gradient) = emulator.valueAndGradient(at: theta)
        let p = emulator.prediction(at: theta)
        print("\(label): chi2 = \(String(format: "%.4f", chi2)) (Δχ² = \(String(format: "%.4f", chi2 - emulator.sampleMinimum)) above the sample minimum)"
              + (emulator.members.count > 1 ? " ± \(String(format: "%.4f", p.spread)) (ensemble)" : ""))
        for (name, g) in zip(emulator.parameterNames, gradient) {
            print("  dchi2/d\(name) = \(String(format: "%+.6e", g))")
        }
        print("  inside the training domain: \(emulator.domain(at: theta).inside)")
    }
} catch {
    FileHandle.standardError.write(Data("error: \(userMessage(error))\n".utf8))
    exit(1)
}
