import ArgumentParser
import Foundation
import PDFEmu

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare two scan outputs (pdfemu scan --output) of the same parameters, the first taken as exact.",
        discussion: "Prints Δχ²_min, the pulls of the best fit in the exact file's Hessian σ, each profile interval end's error "
            + "relative to the exact half-width at each tolerance, and the distance between contours of the same pair and level.")

    @Argument(help: "The exact scan output (HDF5).") var exact: String
    @Argument(help: "The scan output to compare with it (HDF5).") var other: String
    @Flag(help: "Print JSON instead of the table.") var json = false
    @OptionGroup var outputFile: OutputArguments<OutputHelp>
    var output: String? { outputFile.output }
    enum OutputHelp: OptionHelp { static let help: ArgumentHelp = "Write the comparison as JSON to this file (atomically)." }
    @Option(help: "Write SVG profiles with both curves into this directory (created if missing).") var plot: String?

    func run() throws {
        try PDFEmuCommand.guarded {
            if let output {
                try AtomicOutput.validateOutput(output, protecting: [("EXACT", exact), ("OTHER", other)])
            }
            if let plot { try ScanPlots.validateDirectory(plot) }
            let e = try ScanResult.read(exact), o = try ScanResult.read(other)
            let cmp = try ScanComparison(exact: e, other: o, exactFile: exact, otherFile: other)
            let labels = (URL(fileURLWithPath: exact).lastPathComponent, URL(fileURLWithPath: other).lastPathComponent)
            let refined = plot != nil ? try RefineResult.read(other) : nil
            if plot != nil { _ = try ComparisonPlots.figures(exact: e, other: o, otherRefine: refined) }  // fail before writing anything
            let text = try Fmt.json(cmp)
            if let output { try AtomicOutput.write(Data((text + "\n").utf8), to: output) }
            if let plot { try ComparisonPlots.write(exact: e, other: o, exactLabel: labels.0, otherLabel: labels.1, otherRefine: refined, to: plot) }
            print(json ? text : cmp.text(), terminator: json ? "\n" : "")
        }
    }
}
