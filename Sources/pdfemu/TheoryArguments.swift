import ArgumentParser
import Foundation
import PDFEmu

/// The theory options shared by `chi2` and `sample` (`scan` has its own --fix, see Scan.swift).
struct TheoryArguments: ParsableArguments {
    @Option(help: "FK theory file (e.g. Datasets/hera_fk_nlo.h5).") var theory: String
    @Option(help: "Hold theory parameters fixed: name=value,... (default: Duv=0, fs=0.4).") var fix: String?
    @Option(help: "Free theory parameters, comma-separated (default: the 14 of the bundled scan; every other parameter needs a fixed value).") var free: String?
    @Option(help: "Keep data points with Q² ≥ this (GeV²).") var q2Min = TheoryOptions.defaultQ2Min

    /// Loads the χ² (one error line for bad options or a bad file).
    func load() throws -> FKChiSquare {
        try loadTheory(theory, fix: fix, free: free, q2Min: q2Min)
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
