import Foundation
import XCTest

/// Runs the built `pdfemu` executable (it sits beside the test bundle in the build products directory).
enum PDFEmuExecutable {
    /// Result of one run.
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
        /// Non-empty lines of stderr.
        var stderrLines: [String] { stderr.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
    }

    /// The executable's URL, or nil if it has not been built.
    static let url: URL? = product("pdfemu")

    /// A built executable of this package (`pdfemu`, `pdfemu-oracle-example`) beside the test bundle, or nil.
    static func product(_ name: String) -> URL? {
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
    static func run(_ arguments: [String], environment: [String: String?] = [:],
                    file: StaticString = #filePath, line: UInt = #line) throws -> Run {
        guard let url else {
            XCTFail("pdfemu executable not found beside the test bundle (build it: swift build --build-tests)",
                    file: file, line: line)
            throw CocoaError(.fileNoSuchFile)
        }
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        process.currentDirectoryURL = packageRoot
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes concurrently so a full pipe never blocks the child.
        let errBox = DataBox()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errBox.data = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        let errData = errBox.data
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                   stderr: String(decoding: errData, as: UTF8.self))
    }
}
