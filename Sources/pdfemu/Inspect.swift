import ArgumentParser
import Foundation
import PDFEmu

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Summarise one or more scan files, or emulator files (with their weights checksum).")

    @Argument(help: "Scan files (HDF5; several are concatenated, their names must agree), or emulator files.")
    var files: [String]
    @OptionGroup var scan: ScanFileOptions
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one scan file") }
    }

    func run() throws {
        try PDFEmuCommand.guarded {
            if files.contains(where: EmulatorSummary.isEmulatorFile) {
                guard files.allSatisfy(EmulatorSummary.isEmulatorFile) else {
                    throw PDFEmuError(usage: "give either scan files or emulator files, not both")
                }
                let summaries = try files.map { try EmulatorSummary(path: $0) }
                print(json ? try Fmt.json(summaries) : summaries.map { $0.text() }.joined(), terminator: json ? "\n" : "")
                return
            }
            let data = try ScanReader.read(files, options: scan.readOptions)
            let summary = ScanSummary(data)
            print(json ? try Fmt.json(summary) : summary.text(), terminator: json ? "\n" : "")
        }
    }
}
