import Foundation
import XCTest

/// Runs the built `pdfemu` executable (it sits beside the test bundle in the build products directory).
public enum PDFEmuExecutable {
    /// Result of one run.
    public struct Run {
        /// Exit status, or the signal number when `signaled`.
        public var status: Int32
        public var stdout: String
        public var stderr: String
        /// True if the process was ended by a signal (a crash, or the kill after `timeout`).
        public var signaled = false
        /// True if the run took longer than its timeout and was killed.
        public var timedOut = false
        /// Non-empty lines of stderr.
        public var stderrLines: [String] { stderr.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
    }

    /// The executable's URL, or nil if it has not been built.
    public static let url: URL? = product("pdfemu")

    /// A built executable of this package (`pdfemu`, `pdfemu-oracle-example`) beside the test bundle, or nil.
    public static func product(_ name: String) -> URL? {
        var dirs: [URL] = []
        dirs.append(Bundle(for: Marker.self).bundleURL.deletingLastPathComponent())
        dirs.append(Bundle.main.bundleURL)
        if let exe = Bundle.main.executableURL { dirs.append(exe.deletingLastPathComponent()) }
        if let arg0 = CommandLine.arguments.first {
            dirs.append(URL(fileURLWithPath: arg0).deletingLastPathComponent())
        }
        for dir in dirs {
            let candidate = dir.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    private final class Marker {}

    /// Bytes handed from the reader thread to the caller (ordered by the DispatchGroup wait).
    private final class DataBox: @unchecked Sendable { var data = Data() }

    /// Runs pdfemu with `arguments`; `environment` entries are set (nil values removed) on top of ours.
    /// A run still going after `timeout` seconds is killed (SIGKILL) and marked `timedOut`. With
    /// `addressSpaceLimit` (bytes), pdfemu runs under that virtual-memory limit (`ulimit -v`), so an
    /// allocation too large fails inside it instead of growing until the machine runs out of memory.
    public static func run(_ arguments: [String], environment: [String: String?] = [:], timeout: Double = 600,
                           addressSpaceLimit: Int? = nil,
                           file: StaticString = #filePath, line: UInt = #line) throws -> Run {
        guard let url else {
            XCTFail("pdfemu executable not found beside the test bundle (build it: swift build --build-tests)",
                    file: file, line: line)
            throw CocoaError(.fileNoSuchFile)
        }
        let process = Process()
        if let limit = addressSpaceLimit {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit -v \(max(1, limit / 1024)) && exec \"$0\" \"$@\"", url.path] + arguments
        } else {
            process.executableURL = url
            process.arguments = arguments
        }
        process.currentDirectoryURL = packageRoot
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes concurrently so a full pipe never blocks the child.
        let errBox = DataBox(), outBox = DataBox()
        let group = DispatchGroup()
        for (pipe, box) in [(err, errBox), (out, outBox)] {
            group.enter()
            DispatchQueue.global().async {
                box.data = pipe.fileHandleForReading.readDataToEndOfFile()
                group.leave()
            }
        }
        var timedOut = false
        if group.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            kill(process.processIdentifier, SIGKILL)
            group.wait()
        }
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: outBox.data, as: UTF8.self),
                   stderr: String(decoding: errBox.data, as: UTF8.self),
                   signaled: process.terminationReason == .uncaughtSignal, timedOut: timedOut)
    }
}

extension PDFEmuExecutable {
    /// Runs pdfemu and checks the bad-input contract: exit `status`, exactly one stderr line, containing
    /// `needle`, and none of `absent` (e.g. the output path) created.
    public static func expectOneLineError(_ arguments: [String], containing needle: String, status: Int32 = 1,
                                          absent: [String] = [], file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try run(arguments, file: file, line: line)
        XCTAssertEqual(r.status, status, arguments.joined(separator: " "), file: file, line: line)
        XCTAssertEqual(r.stderrLines.count, 1, r.stderr, file: file, line: line)
        XCTAssertTrue(r.stderr.contains(needle), r.stderr, file: file, line: line)
        for path in absent { XCTAssertFalse(FileManager.default.fileExists(atPath: path), "\(path) was written", file: file, line: line) }
    }
}

/// Offsets of every non-overlapping occurrence of `pattern` in `bytes`.
public func byteOffsets(of pattern: [UInt8], in bytes: [UInt8]) -> [Int] {
    var hits: [Int] = []
    var i = 0
    while i + pattern.count <= bytes.count {
        if bytes[i..<(i + pattern.count)].elementsEqual(pattern) { hits.append(i); i += pattern.count } else { i += 1 }
    }
    return hits
}

/// The 8 little-endian bytes of `v`.
public func littleEndianBytes(_ v: UInt64) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
