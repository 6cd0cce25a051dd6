import ArgumentParser
import Foundation
import PDFEmu

struct Closure: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare an emulator's minimum and profile intervals with exact MINUIT answers (closure test).")

    @OptionGroup var emulatorFile: EmulatorFileArguments
    var emulator: String { emulatorFile.emulator }
    @Option(help: "Reference JSON (layout of ../shared/datasets/hera14_reference.json).") var reference: String

    func run() throws {
        try PDFEmuCommand.guarded {
            let ref = try ReferenceData.read(reference)
            let emu = try Emulator.load(emulator)
            let result = try ScanRunner.run(model: emu, options: ReferenceComparison.scanOptions(ref))
            let cmp = try ReferenceComparison(model: emu, result: result, reference: ref)
            print(cmp.text(), terminator: "")
            if !cmp.passed { throw ExitCode(2) }
        }
    }
}
