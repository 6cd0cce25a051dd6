import ArgumentParser
import Foundation
import PDFEmu

@main
struct PDFEmuCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pdfemu",
        abstract: "Neural-network emulators of PDF-fit χ² surfaces: fit, predict, scan.",
        version: pdfemuVersion,
        subcommands: [Info.self, Inspect.self, Fit.self, Predict.self, Scan.self, Chi2.self, Sample.self, Merge.self, Closure.self])

    /// Runs `body`, turning any error into one line on stderr and exit status 1.
    static func guarded(_ body: () throws -> Void) throws {
        do { try body() } catch let e as ExitCode { throw e } catch let e as CleanExit { throw e } catch {
            FileHandle.standardError.write(Data("error: \(userMessage(error))\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// Options shared by commands that read scan files.
struct ScanFileOptions: ParsableArguments {
    @Option(help: "Dataset holding the parameter matrix (default: /parameters, /params, /theta, /x).")
    var parametersDataset: String?
    @Option(help: "Dataset holding the χ² (default: /chi2, /chisq, /chi2_total).")
    var chi2Dataset: String?
    @Option(help: "Layout of the parameter matrix: auto, rows ([N,P]) or transposed ([P,N]).")
    var layout: String = "auto"

    func validate() throws {
        guard ScanLayout(rawValue: layout) != nil else { throw ValidationError("--layout must be auto, rows or transposed") }
    }

    var readOptions: ScanReadOptions {
        ScanReadOptions(parameters: parametersDataset, chi2: chi2Dataset, layout: ScanLayout(rawValue: layout) ?? .auto)
    }
}
