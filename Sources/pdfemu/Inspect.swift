import ArgumentParser
import Foundation
import PDFEmu

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Summarise one or more scan files.")

    @Argument(help: "Scan files (HDF5). Several files are concatenated; their names must agree.")
    var files: [String]
    @OptionGroup var scan: ScanFileOptions
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one scan file") }
    }

    func run() throws {
        try PDFEmuCommand.guarded {
            let data = try ScanReader.read(files, options: scan.readOptions)
            let summary = ScanSummary(data)
            print(json ? try Fmt.json(summary) : summary.text(), terminator: json ? "\n" : "")
        }
    }
}
