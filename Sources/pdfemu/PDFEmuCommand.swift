import ArgumentParser
import Foundation
import PDFEmu

@main
struct PDFEmuCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pdfemu",
        abstract: "Neural-network emulators of PDF-fit χ² surfaces: fit, predict, scan.",
        version: pdfemuVersion,
        subcommands: [Info.self, Inspect.self, Fit.self, Predict.self, Scan.self, Merge.self, Closure.self, Chi2.self, Sample.self,
                      Compare.self, Eigen.self, Bands.self, L2.self, Evidence.self, Propose.self, Learn.self, Refine.self])

    /// Parses the command line and runs the command. A usage error (unknown option, missing or malformed
    /// value) is one line on stderr, `error: … (see pdfemu CMD --help)`, with exit status 64 (EX_USAGE);
    /// `--help` and `--version` print to stdout with status 0.
    static func main() {
        let command: ParsableCommand
        do {
            command = try parseAsRoot(joiningNegativeValues(Array(CommandLine.arguments.dropFirst())))
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }  // --help, --version
            let lines = fullMessage(for: error).split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            var first = lines.first(where: { !$0.isEmpty }) ?? "invalid arguments"
            for prefix in ["Error: ", "error: "] where first.hasPrefix(prefix) { first.removeFirst(prefix.count) }
            let sub = CommandLine.arguments.dropFirst().first { !$0.hasPrefix("-") }
                .flatMap { name in configuration.subcommands.first { $0._commandName == name }?._commandName }
            FileHandle.standardError.write(Data("error: \(first) (see pdfemu\(sub.map { " " + $0 } ?? "") --help)\n".utf8))
            Foundation.exit(code.rawValue)
        }
        var cmd = command
        do { try cmd.run() } catch { exit(withError: error) }
    }

    /// `--option -2.5` as `--option=-2.5`: a value that is a negative number would otherwise be taken for
    /// an option and give "Missing value". Only a word that is wholly a number (-2, -.5, -1e3) after a
    /// long option without "=" is joined; everything after `--` is left alone.
    static func joiningNegativeValues(_ args: [String]) -> [String] {
        var out: [String] = []
        var i = 0
        while i < args.count {
            let a = args[i]
            if a == "--" { out += args[i...]; break }
            if a.hasPrefix("--"), a.count > 2, !a.contains("="), i + 1 < args.count, isNegativeNumber(args[i + 1]) {
                out.append(a + "=" + args[i + 1])
                i += 2
                continue
            }
            out.append(a)
            i += 1
        }
        return out
    }

    /// True for "-2", "-0.5", "-.5", "-1e3", "-1E-3" (a leading minus, then a decimal number).
    static func isNegativeNumber(_ s: String) -> Bool {
        guard s.hasPrefix("-"), s.count > 1 else { return false }
        let body = s.dropFirst()
        guard let first = body.first, first.isASCII, first.isNumber || first == "." else { return false }
        return Double(body) != nil && body.allSatisfy { $0.isASCII && ($0.isNumber || ".eE+-".contains($0)) }
    }

    /// Runs `body`, turning any error into one line on stderr and exit status 1.
    static func guarded(_ body: () throws -> Void) throws {
        do { try body() } catch let e as ExitCode { throw e } catch let e as CleanExit { throw e } catch {
            FileHandle.standardError.write(Data("error: \(cliMessage(error))\n".utf8))
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
    var layout: ScanLayout = .auto

    var readOptions: ScanReadOptions {
        ScanReadOptions(parameters: parametersDataset, chi2: chi2Dataset, layout: layout)
    }
}
