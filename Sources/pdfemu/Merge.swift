import ArgumentParser
import Foundation
import PDFEmu

struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Combine the shard outputs of one `pdfemu scan --shard k/N` or `pdfemu chi2 --shard k/N` run into the unsharded result.")

    @Argument(help: "Output HDF5 file.") var output: String
    @Argument(help: "Shard files (every shard k/N of one run, each once).") var shards: [String] = []
    @Flag(help: "Print JSON instead of the summary.") var json = false

    func run() throws {
        try PDFEmuCommand.guarded {
            if shards.isEmpty { throw PDFEmuError(.step("merge"), "give the output file and the shard files") }
            try AtomicOutput.validateOutput(output, protecting: shards.map { ("shard", $0) })
            if let first = try? HDF5File(open: shards[0]), first.hasAttribute("format"),
               (try? first.readStringAttribute("format")) == OracleScanFile.formatTag {
                let merged = try OracleScanFile.merge(shards, into: output)
                print("merged \(shards.count) shards: \(merged.result.count) points (\(merged.result.undefinedCount) undefined); wrote \(output)")
                return
            }
            let merged = try ScanMergeIO.merge(shards, into: output)
            print(json ? try Fmt.json(merged) : merged.text(), terminator: json ? "\n" : "")
        }
    }
}
