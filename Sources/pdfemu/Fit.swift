import ArgumentParser
import Dispatch
import Foundation
import PDFEmu

struct Fit: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Train a χ² emulator from a JSON config and save it.")

    @Argument(help: "The fit config (JSON; keys in docs/CONFIG.md).") var config: String
    @OptionGroup var outputFile: OutputArguments<OutputHelp>
    var output: String? { outputFile.output }
    enum OutputHelp: OptionHelp { static let help: ArgumentHelp = "Emulator file to write (default: the config's \"output\")." }
    @Flag(help: "Continue from the checkpoint left by an interrupted run.") var resume = false
    @Flag(help: "No progress bar.") var quiet = false

    func run() throws {
        try PDFEmuCommand.guarded {
            let cfg = try FitConfig.read(config)
            let out = output ?? cfg.output
            let stop = InterruptFlag.install()
            let ck = FitRunner.checkpointPath(for: out)
            if !resume && FileManager.default.fileExists(atPath: ck) {
                printErr("warning: \(ck) is left from an earlier interrupted fit; it will be replaced (use --resume to continue that fit instead)")
            }
            let bar = ProgressBar(enabled: !quiet)
            let options = FitOptions(output: out, resume: resume, protectedInputs: [("config", config)])
            let result: FitResult
            var done: [Int: Int] = [:]
            do {
                result = try FitRunner.run(config: cfg, options: options,
                                           log: { msg in bar.clear(); if !quiet { printErr(msg) } },
                                           progress: { p in
                                               // Members trained together report in turn: the bar shows all epochs done.
                                               done[p.member] = p.epoch
                                               let total = (0..<p.members).reduce(0) { $0 + (done[$1] ?? ($1 < p.member ? p.epochs : 0)) }
                                               bar.update(fraction: Double(total) / Double(p.members * p.epochs),
                                                          text: "member \(p.member + 1)/\(p.members) epoch \(p.epoch)/\(p.epochs)  loss \(String(format: "%.3e", p.trainLoss))  val RMS \(String(format: "%.4f", p.validationRMS)) (best \(String(format: "%.4f", p.bestValidationRMS)))  lr \(String(format: "%.1e", p.learningRate))  ETA \(Int(p.remaining)) s")
                                           },
                                           shouldStop: { stop.isSet })
            } catch {
                bar.clear()
                // A signal that came before training could stop cleanly still ends with its exit status.
                if let sig = stop.signal { printErr("error: \(userMessage(error))"); throw ExitCode(128 + sig) }
                throw error
            }
            bar.clear()
            if result.diverged {
                printErr("error: training diverged (NaN loss); nothing was written to \(out) (an existing file there is kept); "
                         + "lower training.learning_rate or set training.gradient_clip")
                throw ExitCode(1)
            }
            print(result.report.text(), terminator: "")
            print("wrote \(out)")
            if result.interrupted {
                let name = stop.signal == SIGTERM ? "SIGTERM" : "SIGINT"
                printErr("error: interrupted by \(name); the best emulator so far was written to \(out); continue with --resume")
                throw ExitCode(128 + (stop.signal ?? SIGINT))
            }
        }
    }
}

/// Set when the user presses Ctrl-C (SIGINT) or the batch system sends SIGTERM (Slurm at its time
/// limit): the fit stops cleanly at the next batch, writes its checkpoint and the best emulator so far,
/// and exits with 128 + the signal number (130, 143).
final class InterruptFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var received: Int32?
    private var sources: [DispatchSourceSignal] = []
    /// True once a signal came.
    var isSet: Bool { signal != nil }
    /// The first signal that came.
    var signal: Int32? { lock.lock(); defer { lock.unlock() }; return received }

    static func install() -> InterruptFlag {
        let flag = InterruptFlag()
        for sig in [SIGINT, SIGTERM] {
            Foundation.signal(sig, SIG_IGN)
            let src = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            src.setEventHandler { flag.lock.lock(); if flag.received == nil { flag.received = sig }; flag.lock.unlock() }
            src.resume()
            flag.sources.append(src)
        }
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
