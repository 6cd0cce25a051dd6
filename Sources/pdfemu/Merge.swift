import ArgumentParser
import Foundation
import PDFEmu

struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Combine the shard outputs of one `pdfemu scan --shard k/N` run into the unsharded result.")

    @Argument(help: "Output HDF5 file.") var output: String
    @Argument(help: "Shard files (every shard k/N of one run, each once).") var shards: [String] = []
    @Flag(help: "Print JSON instead of the summary.") var json = false

    func run() throws {
        try PDFEmuCommand.guarded {
            if shards.isEmpty { throw PDFEmuError("merge: give the output file and the shard files") }
            try AtomicOutput.checkWritable(output)
            try FileIdentity.refuseOverwrite(output: output, inputs: shards.map { ("shard", $0) })
            let merged = try ScanMergeIO.merge(shards, into: output)
            print(json ? try Fmt.json(merged) : ScanReport.text(merged), terminator: json ? "\n" : "")
        }
    }
}
