import ArgumentParser
import Dispatch
import Foundation
import PDFEmu

/// SIGINT, SIGTERM and SIGHUP in a command that asks an oracle (chi2, learn, scan --verify).
///
/// While an oracle command runs, a signal makes `shouldStop` true: the command's process group is
/// killed (SIGTERM, SIGKILL after 2 s), its temporary directory removed, and the pdfemu command ends with
/// one `error:` line and exit status 128 + the signal (130, 143, 129). A signal that comes while no
/// oracle command runs (training, scanning, storing an answer) ends pdfemu within a second with the same
/// status and line (a call that starts meanwhile is stopped as above); a fallback ends it the same way
/// if the oracle does not stop in time.
final class OracleInterrupts: @unchecked Sendable {
    private let lock = NSLock()
    private var received: Int32?
    private var sources: [DispatchSourceSignal] = []
    /// Seconds the oracle has to stop (its group's SIGTERM→SIGKILL grace and the cleanup) before pdfemu
    /// exits regardless.
    static let stopDeadline = 10.0

    /// The first signal that came, if any.
    var signal: Int32? { lock.lock(); defer { lock.unlock() }; return received }
    /// Polled by command oracles: true once a signal came.
    var shouldStop: @Sendable () -> Bool { { [self] in signal != nil } }

    /// The signals handled, and their names.
    static let handled: [(Int32, String)] = [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM"), (SIGHUP, "SIGHUP")]

    /// Installs the handlers (the signals are then ignored by default and delivered here).
    static func install() -> OracleInterrupts {
        let flag = OracleInterrupts()
        for (sig, _) in handled {
            Foundation.signal(sig, SIG_IGN)
            let src = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            src.setEventHandler { flag.receive(sig) }
            src.resume()
            flag.sources.append(src)
        }
        return flag
    }

    private func receive(_ sig: Int32) {
        lock.lock()
        let first = received == nil
        if first { received = sig }
        lock.unlock()
        guard first else { return }
        // No oracle command under way: an answer that just came back may be being stored, and the next
        // call, if one starts, stops at its first poll. Give that a second, then leave (nothing to clean up).
        let grace = Date().addingTimeInterval(1)
        while Date() < grace && CommandOracle.callsUnderWay.value == 0 { usleep(20_000) }
        if CommandOracle.callsUnderWay.value == 0 { Self.leave(sig) }
        // One is: it stops at its next poll, kills its group and removes its directory; the main thread
        // then reports and exits. Leave regardless if that takes too long.
        let deadline = Date().addingTimeInterval(Self.stopDeadline)
        while Date() < deadline && CommandOracle.callsUnderWay.value > 0 { usleep(20_000) }
        if CommandOracle.callsUnderWay.value == 0 { usleep(2_000_000) }
        Self.leave(sig)
    }

    /// Writes the line and ends the process with 128 + `sig` (no cleanup handlers run).
    private static func leave(_ sig: Int32) -> Never {
        let line = "error: interrupted by \(name(sig))\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
        _exit(128 + sig)
    }

    /// "SIGINT", "SIGTERM", "SIGHUP" or "signal N".
    static func name(_ sig: Int32) -> String { handled.first { $0.0 == sig }?.1 ?? "signal \(sig)" }

    /// Runs `body`; if a signal came, whatever `body` threw becomes one line naming the signal and exit
    /// status 128 + the signal.
    func reporting(_ body: () throws -> Void) throws {
        do { try body() } catch let e as ExitCode where signal == nil { throw e } catch {
            guard let sig = signal else { throw error }
            if !(error is ExitCode) { printErr("error: \(cliMessage(error)) (interrupted by \(Self.name(sig)))") }
            throw ExitCode(128 + sig)
        }
        if let sig = signal {
            printErr("error: interrupted by \(Self.name(sig))")
            throw ExitCode(128 + sig)
        }
    }
}
