import ArgumentParser

/// `--emulator FILE` where an emulator is the only model a command takes (`predict`, `closure`,
/// `propose`); `ModelSourceArguments` declares the optional one beside --theory.
struct EmulatorFileArguments: ParsableArguments {
    @Option(help: "Emulator file written by `pdfemu fit`.") var emulator: String
}
