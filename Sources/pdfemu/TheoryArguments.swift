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
        TheoryOracle(try loadTheory(path, fix: fix, free: free, q2Min: q2Min ?? TheoryOptions.defaultQ2Min),
                     theorySHA256: try SHA256.hex(file: path))
    }
}

/// The exact χ² of `path` with the theory options as given on the command line.
func loadTheory(_ path: String, fix: String?, free: String?, q2Min: Double) throws -> FKChiSquare {
    var o = TheoryOptions(q2Min: q2Min)
    if let fix { o.fixed = try ScanOptionParsing.assignments(fix, option: "--fix") }
    if let free {
        o.free = free.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if o.free!.isEmpty { throw PDFEmuError("--free: give at least one parameter name") }
    }
    _ = try o.resolve()
    return try FKChiSquare.load(path, options: o)
}
