import ArgumentParser
import PDFEmu

/// `--emulator FILE` where an emulator is the only model a command takes (`predict`, `closure`,
/// `propose`); `ModelSourceArguments` declares the optional one beside --theory.
typealias EmulatorFileArguments = RequiredEmulatorArguments<EmulatorFileHelp>

/// Help of `EmulatorFileArguments`.
enum EmulatorFileHelp: OptionHelp { static let help: ArgumentHelp = "Emulator file written by `pdfemu fit`." }

/// `--output FILE` of a command whose result is optionally written as HDF5 (`scan`, `eigen`, `bands`):
/// written atomically, never over an input.
typealias ResultFileArguments = OutputArguments<ResultFileHelp>

/// Help of `ResultFileArguments`.
enum ResultFileHelp: OptionHelp {
    static let help: ArgumentHelp = "Write the result to this HDF5 file (atomically; scan: the full result, eigen: the sets, bands: the bands)."
}
