import ArgumentParser
import Foundation
import PDFEmu

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print versions and the BLAS kernels in use.")

    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        try PDFEmuCommand.guarded {
            let report = try SystemInfo.current()
            print(json ? try Fmt.json(report) : report.text())
        }
    }
}
