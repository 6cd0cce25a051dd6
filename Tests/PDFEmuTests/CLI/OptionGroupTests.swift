import XCTest
import PDFEmuTestSupport

/// The CLI's option groups: each flag declared once, typed values, "given or not" as optionals.
final class OptionGroupTests: XCTestCase {
    /// Every command that takes --fix (through one of the groups) parses its help: a flag declared twice
    /// in one command would be refused by the parser.
    func testEveryCommandWithFixHasOneDeclaration() throws {
        for command in ["chi2", "scan", "sample", "eigen", "l2", "bands", "evidence", "propose", "learn"] {
            let r = try PDFEmuExecutable.run([command, "--help"])
            XCTAssertEqual(r.status, 0, "\(command): \(r.stderr)")
            let rows = r.stdout.split(separator: "\n").filter { $0.trimmingCharacters(in: .whitespaces).hasPrefix("--fix <fix>") }
            XCTAssertEqual(rows.count, 1, "\(command) --help lists --fix once among its options")
        }
    }

    /// A --verify-… option given without --verify is refused even when its value equals the default.
    func testVerifyOptionAtItsDefaultStillNeedsVerify() throws {
        let r = try PDFEmuExecutable.run(["scan", "--emulator", "absent.h5", "--verify-mcmc-samples", "100"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderrLines, ["error: --verify-… options need --verify"])
        let e = try PDFEmuExecutable.run(["scan", "--emulator", "absent.h5", "--verify-epsilon", "0.02,0.02"])
        XCTAssertEqual(e.stderrLines, ["error: --verify-… options need --verify"])
    }

    /// --mapping is an enum: a bad value is a usage error naming the choices; the default spelled out
    /// still needs --dynamic-tolerance.
    func testMappingIsTypedAndGivenOrNot() throws {
        let bad = try PDFEmuExecutable.run(["eigen", "--emulator", "absent.h5", "--tolerance", "1", "--mapping", "gauss"])
        XCTAssertEqual(bad.status, 64)
        XCTAssertEqual(bad.stderrLines.count, 1, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("--mapping") && bad.stderr.contains("wilson-hilferty"), bad.stderr)
        let stray = try PDFEmuExecutable.run(["eigen", "--emulator", "absent.h5", "--tolerance", "1", "--mapping", "fisher"])
        XCTAssertEqual(stray.stderrLines, ["error: --experiment-points and --mapping need --dynamic-tolerance"])
    }

    /// --layout is the library's `ScanLayout`: a bad value is one usage line naming the choices.
    func testLayoutIsTyped() throws {
        let r = try PDFEmuExecutable.run(["inspect", "absent.h5", "--layout", "columns"])
        XCTAssertEqual(r.status, 64)
        XCTAssertEqual(r.stderrLines.count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("--layout") && r.stderr.contains("transposed"), r.stderr)
    }

    /// --fix of a scan without a model source (propose) is parsed by the one --fix group.
    func testProposeFixErrorNamesTheFlag() throws {
        let r = try PDFEmuExecutable.run(["propose", "--emulator", "absent.h5", "--n", "1", "--output", "out.h5", "--fix", "Bg=oops"])
        XCTAssertEqual(r.stderrLines, ["error: --fix: 'Bg=oops' is not name=value"])
    }
}
