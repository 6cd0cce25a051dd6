import Foundation
import XCTest
@testable import PDFEmuCore
@testable import PDFEmuIO
import PDFEmuTestSupport

/// `pdfemu info` and the OpenBLAS kernel choice, in fresh processes (the kernel type is fixed at load).
final class InfoCommandTests: XCTestCase {
    /// Environment with no user choice of kernels.
    let clean: [String: String?] = ["OPENBLAS_CORETYPE": nil, "PDFEMU_BLAS_NO_CORETYPE": nil]

    /// CPU flags from /proc/cpuinfo (empty where there is none).
    var cpuFlags: Set<String> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }

    func info(_ environment: [String: String?]) throws -> SystemInfo {
        let run = try PDFEmuExecutable.run(["info", "--json"], environment: environment)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stderr, "")
        return try JSONDecoder().decode(SystemInfo.self, from: Data(run.stdout.utf8))
    }

    func testInfoNamesKernelAndPicksFastOne() throws {
        let run = try PDFEmuExecutable.run(["info"], environment: clean)
        XCTAssertEqual(run.status, 0, run.stderr)
        let kernelLine = run.stdout.split(separator: "\n").first { $0.hasPrefix("BLAS kernels: ") }
        let kernel = try XCTUnwrap(kernelLine).dropFirst("BLAS kernels: ".count).split(separator: " ").first.map(String.init)
        XCTAssertNotNil(kernel)
        XCTAssertNotEqual(kernel, "unknown")
        XCTAssertTrue(run.stdout.contains("HDF5 1."), run.stdout)

        let report = try info(clean)
        XCTAssertEqual(report.blas.kernel, kernel)
        XCTAssertEqual(report.pdfemu, pdfemuVersion)
        let flags = cpuFlags
        if flags.contains("avx512f") || flags.contains("avx2") {
            XCTAssertNotEqual(report.blas.kernel.lowercased(), "prescott",
                              "CPU has AVX2/AVX-512 but OpenBLAS runs the generic Prescott kernels")
            XCTAssertTrue(report.blas.coretypeChosenByPDFEmu)
            XCTAssertNotEqual(report.blas.cpuLevel, "baseline")
        }
        if flags.contains("avx512f") && flags.contains("avx512dq") && flags.contains("avx512bw")
            && flags.contains("avx512vl") && flags.contains("avx512cd") {
            XCTAssertEqual(report.blas.kernel, flags.contains("avx512_bf16") ? "Cooperlake" : "SkylakeX")
        } else if flags.contains("avx2") && flags.contains("fma") {
            XCTAssertEqual(report.blas.kernel, "Haswell")
        }
    }

    func testUserCoretypeWins() throws {
        let report = try info(["OPENBLAS_CORETYPE": "Prescott", "PDFEMU_BLAS_NO_CORETYPE": nil])
        XCTAssertEqual(report.blas.kernel, "Prescott")
        XCTAssertEqual(report.blas.coretype, "Prescott")
        XCTAssertFalse(report.blas.coretypeChosenByPDFEmu)
    }

    func testNoCoretypeSwitchLeavesOpenBLASDetection() throws {
        let report = try info(["OPENBLAS_CORETYPE": nil, "PDFEMU_BLAS_NO_CORETYPE": "1"])
        XCTAssertFalse(report.blas.coretypeChosenByPDFEmu)
        XCTAssertEqual(report.blas.coretype, "")
        XCTAssertFalse(report.blas.kernel.isEmpty)
    }
}
