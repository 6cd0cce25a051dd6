import ArgumentParser
import Foundation
import PDFEmu

/// `--fix name=value,...`, declared once for every command: with --theory it fixes theory parameters,
/// otherwise the emulator's (a scan's fixed parameters).
struct FixArguments: ParsableArguments {
    @Option(parsing: .unconditional, help: "Hold parameters fixed: name=value,... (with --theory: theory parameters, default Duv=0, fs=0.4).")
    var fix: String?

    /// The values of --fix by name, or nil when it is not given (one error line naming --fix).
    func values() throws -> [String: Double]? {
        try fix.map { try ScanOptionParsing.assignments($0, option: "--fix") }
    }
}

/// The parametrisation options of the exact theory: --fix and --free (declared once; `chi2`, `scan`,
/// `sample`, `eigen`, `l2`, `bands` and `evidence` use them).
struct TheoryParameterArguments: ParsableArguments {
    @OptionGroup var fixing: FixArguments
    @Option(help: "With --theory: free theory parameters, comma-separated (default: the 14 of the bundled scan; every other parameter needs a fixed value).")
    var free: String?

    /// The raw --fix text, or nil.
    var fix: String? { fixing.fix }

    /// The theory options with `q2Min` and the free list `free` (default: --free), checked (one error line).
    func options(q2Min: Double, free freeText: String? = nil) throws -> TheoryOptions {
        var o = TheoryOptions(q2Min: q2Min)
        if let fixed = try fixing.values() { o.fixed = fixed }
        if let text = freeText ?? free {
            o.free = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            if o.free!.isEmpty { throw SettingError(.theoryFree, "give at least one parameter name") }
        }
        _ = try o.resolve()
        return o
    }

    /// The exact χ² of the theory file `path` with these options (`free` replaces --free when given).
    func model(_ path: String, q2Min: Double = TheoryOptions.defaultQ2Min, free freeText: String? = nil) throws -> FKChiSquare {
        try FKChiSquare.read(path, options: try options(q2Min: q2Min, free: freeText))
    }
}

/// "--a needs --theory", "--a and --b need --theory", "--a, --b and --c need --theory".
func needTheory(_ names: [String]) -> PDFEmuError {
    let list = names.count == 1 ? names[0] : names.dropLast().joined(separator: ", ") + " and " + names.last!
    return PDFEmuError(usage: list + (names.count == 1 ? " needs" : " need") + " --theory")
}

/// The exact theory as a χ² source: --theory with its options --fix, --free and --q2-min (`chi2` uses it
/// beside --oracle; `ModelSourceArguments` beside --emulator).
struct TheoryArguments: ParsableArguments {
    @OptionGroup var theoryFile: TheoryFileArguments<Help>
    /// --theory, or nil.
    var theory: String? { theoryFile.theory }
    /// Help of --theory here.
    enum Help: OptionHelp {
        static let help: ArgumentHelp = "The exact χ² of this FK theory file (e.g. Datasets/hera_fk_nlo.h5) instead of an emulator or --oracle; --fix then fixes theory parameters."
    }
    @OptionGroup var parameters: TheoryParameterArguments
    @Option(help: "With --theory: keep data points with Q² ≥ this (GeV²; default 3.49, all points).") var q2Min: Double?

    /// The theory options given, by flag, in the order they are listed in errors (`fix`: whether --fix counts).
    func given(countingFix fix: Bool) -> [String] {
        [("--fix", fix && parameters.fix != nil), ("--free", parameters.free != nil), ("--q2-min", q2Min != nil)].filter(\.1).map(\.0)
    }

    /// The exact χ² of --theory with its options, or nil without --theory.
    func model() throws -> FKChiSquare? {
        try theory.map { try parameters.model($0, q2Min: q2Min ?? TheoryOptions.defaultQ2Min) }
    }

    /// The oracle of --theory (one error line for bad options or a bad file), or nil without --theory.
    func oracle() throws -> TheoryOracle? {
        guard let theory, let m = try model() else { return nil }
        return TheoryOracle(m, theorySHA256: try SHA256.hex(file: theory))
    }
}

/// What `--fix` means when a model source has no --theory.
enum FixWithoutTheory {
    /// It fixes the emulator's parameters in the scan (`scan`, `eigen`, `l2`).
    case fixesEmulatorParameters
    /// It is refused: the command has nothing to fix without a theory (`sample`).
    case needsTheory
}

/// Where `scan`, `sample`, `eigen` and `l2` get their χ²: an emulator file, or the exact theory with its options.
struct ModelSourceArguments: ParsableArguments {
    @OptionGroup var emulatorFile: EmulatorArguments<Help>
    /// --emulator, or nil.
    var emulator: String? { emulatorFile.emulator }
    /// Help of --emulator here.
    enum Help: OptionHelp { static let help: ArgumentHelp = "Emulator file (or give --theory)." }
    @OptionGroup var exact: TheoryArguments
    @Option(help: "With --theory: start the minimum from the lowest-χ² points of this scan file (default: HERAPDF2.0-like values).") var startsFrom: String?

    /// --theory, or nil.
    var theory: String? { exact.theory }

    /// Throws one line unless exactly one of --emulator and --theory is given, or if a theory option comes
    /// without --theory (--fix counts as one for `.needsTheory`).
    func validate(fixWithoutTheory: FixWithoutTheory) throws {
        if (emulator == nil) == (theory == nil) { throw PDFEmuError(usage: "give either --emulator or --theory") }
        guard theory == nil else { return }
        let given = exact.given(countingFix: fixWithoutTheory == .needsTheory) + (startsFrom != nil ? ["--starts-from"] : [])
        if !given.isEmpty { throw needTheory(given) }
    }

    /// The emulator's fixed parameters of the scan: --fix without --theory (empty otherwise).
    func scanFixed() throws -> [String: Double] {
        theory == nil ? try exact.parameters.fixing.values() ?? [:] : [:]
    }

    /// The files read, labelled, for the output-over-input check.
    var inputs: [(label: String, path: String)] {
        [("--emulator", emulator), ("--theory", theory), ("--starts-from", startsFrom)].compactMap { k, v in v.map { (k, $0) } }
    }

    /// The theory χ² of --theory with its options, started from the `starts` best points of --starts-from.
    func theoryModel(starts: Int) throws -> FKChiSquare? {
        guard var m = try exact.model() else { return nil }
        if let startsFrom { m.startingPoints = try m.startingPoints(fromScan: startsFrom, count: max(1, starts)) }
        return m
    }

    /// The χ² model of --emulator or --theory (with `starts` as `theoryModel` takes it) and its identity
    /// for run ids: the emulator file's hash, or the theory file's hash with its options and starts.
    func model(starts: Int) throws -> (model: any ScalarModel, identity: String) {
        if let m = try theoryModel(starts: starts) {
            return (m, RunIdentity.hash([try RunIdentity.fileHash(theory!), try m.options.summary()]
                                        + m.startingPoints.flatMap { $0.map { String($0.bitPattern) } }))
        }
        return (try loadScalarModel(emulator!), try RunIdentity.fileHash(emulator!))
    }
}
