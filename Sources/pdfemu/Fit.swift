import ArgumentParser
import Dispatch
import Foundation
import PDFEmu

struct Fit: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Train a χ² emulator from a JSON config and save it.")

    @Argument(help: "The fit config (JSON; keys in docs/CONFIG.md).") var config: String
    @Option(help: "Emulator file to write (default: the config's \"output\").") var output: String?
    @Flag(help: "Continue from the checkpoint left by an interrupted run.") var resume = false
    @Flag(help: "No progress bar.") var quiet = false

    func run() throws {
        try PDFEmuCommand.guarded {
            let cfg = try FitConfig.load(config)
            let out = output ?? cfg.output
            let stop = InterruptFlag.install()
            let bar = ProgressBar(enabled: !quiet)
            let result = try FitRunner.run(config: cfg, options: FitOptions(output: out, resume: resume),
                                           log: { msg in bar.clear(); if !quiet { printErr(msg) } },
                                           progress: { p in
                                               bar.update(fraction: Double(p.member * p.epochs + p.epoch) / Double(p.members * p.epochs),
                                                          text: "member \(p.member + 1)/\(p.members) epoch \(p.epoch)/\(p.epochs)  loss \(String(format: "%.3e", p.trainLoss))  val RMS \(String(format: "%.4f", p.validationRMS)) (best \(String(format: "%.4f", p.bestValidationRMS)))  lr \(String(format: "%.1e", p.learningRate))  ETA \(Int(p.remaining)) s")
                                           },
                                           shouldStop: { stop.isSet })
            bar.clear()
            print(result.report.text(), terminator: "")
            print("wrote \(out)")
            if result.interrupted {
                printErr("error: interrupted; the best emulator so far was written to \(out); continue with --resume")
                throw ExitCode(130)
            }
            if result.diverged {
                printErr("error: training diverged (NaN loss); the best weights before it were written to \(out)")
                throw ExitCode(1)
            }
        }
    }
}

/// Set when the user presses Ctrl-C (SIGINT); the fit stops cleanly at the next batch.
final class InterruptFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var set = false
    private var source: DispatchSourceSignal?
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return set }

    static func install() -> InterruptFlag {
        let flag = InterruptFlag()
        signal(SIGINT, SIG_IGN)
        let src = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        src.setEventHandler { flag.lock.lock(); flag.set = true; flag.lock.unlock() }
        src.resume()
        flag.source = src
        return flag
    }
}

/// A one-line progress bar on stderr (only when stderr is a terminal).
final class ProgressBar {
    let enabled: Bool
    private var shown = false
    init(enabled: Bool) { self.enabled = enabled && isatty(2) != 0 }

    func update(fraction: Double, text: String) {
        guard enabled else { return }
        let width = 24
        let filled = max(0, min(width, Int(fraction * Double(width))))
        let line = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
            + String(format: "%3d%% ", Int(fraction * 100)) + text
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
        shown = true
    }

    func clear() {
        guard enabled, shown else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        shown = false
    }
}

func printErr(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }
