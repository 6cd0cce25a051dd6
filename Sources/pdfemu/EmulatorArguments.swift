import ArgumentParser
import PDFEmu

/// `--emulator FILE` where an emulator is the only model a command takes (`predict`, `closure`,
/// `propose`); `ModelSourceArguments` declares the optional one beside --theory.
struct EmulatorFileArguments: ParsableArguments {
    @Option(help: "Emulator file written by `pdfemu fit`.") var emulator: String
}

/// `--output FILE` of a command whose result is optionally written as HDF5 (`scan`, `eigen`, `bands`):
/// written atomically, never over an input.
struct ResultFileArguments: ParsableArguments {
    @Option(help: "Write the result to this HDF5 file (atomically; scan: the full result, eigen: the sets, bands: the bands).")
    var output: String?

    /// Throws one line if --output is given and cannot be written or is one of `inputs`.
    func validate(protecting inputs: [(label: String, path: String)]) throws {
        if let output { try AtomicOutput.validateOutput(output, protecting: inputs) }
    }
}
