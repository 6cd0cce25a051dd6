import ArgumentParser
import Foundation
import PDFEmu

struct Propose: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Propose the points whose true χ² would most improve a scan's answers (a points file for an oracle).")

    @OptionGroup var emulatorFile: EmulatorFileArguments
    var emulator: String { emulatorFile.emulator }
    @OptionGroup var scan: ScanArguments
    @OptionGroup var fixing: FixArguments
    @OptionGroup var mix: ProposalArguments
    @Option(help: "Points to propose.") var n: Int
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(help: "Scan files whose points the proposal must not repeat (e.g. the training files; repeatable).") var existing: [String] = []
    @OptionGroup var outputFile: RequiredOutputArguments<OutputHelp>
    var output: String { outputFile.output }
    enum OutputHelp: OptionHelp { static let help: ArgumentHelp = "Points file to write (/parameters, /parameter_names, /proposal_kind)." }

    func run() throws {
        try PDFEmuCommand.guarded {
            let o = try scan.options(fixed: try fixing.values() ?? [:])
            try o.validate()
            let po = try mix.options(count: n, seed: seed)
            try AtomicOutput.validateOutput(output, protecting: [("--emulator", emulator)] + existing.map { ("--existing", $0) })
            let model = try Emulator.load(emulator)
            var known: [Double] = []
            for path in existing { known += try OraclePoints.read(path).columns(model.parameterNames) }
            let result = try ScanRunner.run(model: model, options: o, modelIdentity: try RunIdentity.fileHash(emulator))
            let proposal = try Proposer.propose(model: model, scan: result, scanOptions: o, existing: known, options: po)
            try proposal.write(to: output, attributes: [("emulator", emulator), ("seed", String(seed))])
            print("proposed \(proposal.count) points (\(proposal.mixText); \(proposal.duplicates) candidates too close to known points) → \(output)")
        }
    }
}
