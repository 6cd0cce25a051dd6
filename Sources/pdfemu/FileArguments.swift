import ArgumentParser
import PDFEmu

/// The help text one command gives a shared file option. Each option (`--output`, `--emulator`,
/// `--theory`) is declared once below, required or optional; a command names its help with a type.
protocol OptionHelp {
    /// The option's help in this command.
    static var help: ArgumentHelp { get }
}

/// `--output FILE` that the command needs.
struct RequiredOutputArguments<Help: OptionHelp>: ParsableArguments {
    @Option(help: Help.help) var output: String
}

/// `--output FILE`, optional: written atomically, never over an input.
struct OutputArguments<Help: OptionHelp>: ParsableArguments {
    @Option(help: Help.help) var output: String?

    /// Throws one line if --output is given and cannot be written or is one of `inputs`.
    func validate(protecting inputs: [(label: String, path: String)]) throws {
        if let output { try AtomicOutput.validateOutput(output, protecting: inputs) }
    }
}

/// `--emulator FILE` that the command needs.
struct RequiredEmulatorArguments<Help: OptionHelp>: ParsableArguments {
    @Option(help: Help.help) var emulator: String
}

/// `--emulator FILE`, optional (beside another model source).
struct EmulatorArguments<Help: OptionHelp>: ParsableArguments {
    @Option(help: Help.help) var emulator: String?
}

/// `--theory FILE` (an FK theory file) that the command needs.
struct RequiredTheoryArguments<Help: OptionHelp>: ParsableArguments {
    @Option(help: Help.help) var theory: String
}

/// `--theory FILE`, optional (the exact χ² instead of an emulator).
struct TheoryFileArguments<Help: OptionHelp>: ParsableArguments {
    @Option(help: Help.help) var theory: String?
}
