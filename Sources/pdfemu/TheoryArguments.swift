import ArgumentParser
import Foundation
import PDFEmu

/// The theory options of `pdfemu chi2` (`scan` and `sample` spell them alongside --emulator).
struct TheoryArguments: ParsableArguments {
    @Option(help: "Evaluate the exact χ² of this FK theory file (e.g. Datasets/hera_fk_nlo.h5) instead of an --oracle.") var theory: String?
    @Option(parsing: .unconditional, help: "With --theory: hold theory parameters fixed: name=value,... (default: Duv=0, fs=0.4).") var fix: String?
    @Option(help: "With --theory: free theory parameters, comma-separated (default: the 14 of the bundled scan; every other parameter needs a fixed value).") var free: String?
    @Option(help: "With --theory: keep data points with Q² ≥ this (GeV²; default 3.49, all points).") var q2Min: Double?

    /// Throws one line if a theory option is given without --theory.
    func check() throws {
        if theory == nil && (fix != nil || free != nil || q2Min != nil) { throw PDFEmuError("--fix, --free and --q2-min need --theory") }
    }

    /// The oracle of `--theory` (one error line for bad options or a bad file).
    func oracle(_ path: String) throws -> TheoryOracle {
        TheoryOracle(try makeTheory(path, fix: fix, free: free, q2Min: q2Min ?? TheoryOptions.defaultQ2Min),
                     theorySHA256: try SHA256.hex(file: path))
    }
}

/// The exact χ² of `path` with the theory options as given on the command line.
func makeTheory(_ path: String, fix: String?, free: String?, q2Min: Double) throws -> FKChiSquare {
    var o = TheoryOptions(q2Min: q2Min)
    if let fix { o.fixed = try ScanOptionParsing.assignments(fix, option: "--fix") }
    if let free {
        o.free = free.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if o.free!.isEmpty { throw PDFEmuError("--free: give at least one parameter name") }
    }
    _ = try o.resolve()
    return try FKChiSquare.load(path, options: o)
}

/// Where `scan` and `sample` get their χ²: an emulator file, or the exact theory with its options.
/// (`--fix` is the command's own option: with --theory it fixes theory parameters.)
struct ModelSourceArguments: ParsableArguments {
    @Option(help: "Emulator file (or give --theory).") var emulator: String?
    @Option(help: "The exact χ² of this FK theory file (e.g. Datasets/hera_fk_nlo.h5) instead of an emulator; --fix then fixes theory parameters.") var theory: String?
    @Option(help: "With --theory: free theory parameters, comma-separated (default: the 14 of the bundled scan).") var free: String?
    @Option(help: "With --theory: keep data points with Q² ≥ this (GeV²; default 3.49, all points).") var q2Min: Double?
    @Option(help: "With --theory: start the minimum from the lowest-χ² points of this scan file (default: HERAPDF2.0-like values).") var startsFrom: String?

    /// Throws one line unless exactly one of --emulator and --theory is given, or if a theory option comes
    /// without --theory (`fix` counts as one when `fixNeedsTheory`).
    func check(fix: String?, fixNeedsTheory: Bool) throws {
        if (emulator == nil) == (theory == nil) { throw PDFEmuError("give either --emulator or --theory") }
        guard theory == nil else { return }
        let given = [("--fix", fixNeedsTheory && fix != nil), ("--free", free != nil), ("--q2-min", q2Min != nil),
                     ("--starts-from", startsFrom != nil)].filter(\.1).map(\.0)
        guard let last = given.last else { return }
        let list = given.count == 1 ? last : given.dropLast().joined(separator: ", ") + " and " + last
        throw PDFEmuError(list + (given.count == 1 ? " needs" : " need") + " --theory")
    }

    /// The files read, labelled, for the output-over-input check.
    var inputs: [(label: String, path: String)] {
        [("--emulator", emulator), ("--theory", theory), ("--starts-from", startsFrom)].compactMap { k, v in v.map { (k, $0) } }
    }

    /// The theory χ² of --theory with `fix`, started from the `starts` best points of --starts-from.
    func theoryModel(fix: String?, starts: Int) throws -> FKChiSquare? {
        guard let theory else { return nil }
        var m = try makeTheory(theory, fix: fix, free: free, q2Min: q2Min ?? TheoryOptions.defaultQ2Min)
        if let startsFrom { m.startingPoints = try m.startingPoints(fromScan: startsFrom, count: max(1, starts)) }
        return m
    }
}
