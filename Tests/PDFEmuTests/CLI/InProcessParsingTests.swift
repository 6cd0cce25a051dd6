import XCTest
import ArgumentParser
@testable import pdfemu
@testable import PDFEmuCore
@testable import PDFEmuNetwork
@testable import PDFEmuTheory
@testable import PDFEmuAnalysis
@testable import PDFEmuReport
import PDFEmuTestSupport

/// The command types parse in-process (`parseAsRoot`): flags map to the library's typed options, the
/// defaults are the library's, and usage errors are caught by the option groups' `validate()`.
final class InProcessParsingTests: XCTestCase {
    func scan(_ args: [String]) throws -> Scan {
        let command = try PDFEmuCommand.parseAsRoot(["scan", "--emulator", "E.h5"] + args)
        return try XCTUnwrap(command as? Scan)
    }

    func testMCMCOptionGroupMapsToTheLibraryOptions() throws {
        XCTAssertNil(try scan([]).sampling.options, "no --mcmc: no MCMC")
        let defaults = try XCTUnwrap(try scan(["--mcmc"]).sampling.options)
        XCTAssertEqual(defaults, ScanMCMCOptions(), "the CLI's defaults are the library's")
        let o = try XCTUnwrap(try scan(["--mcmc", "--mcmc-sampler", "hmc", "--mcmc-steps", "300", "--mcmc-burn-in", "50",
                                        "--mcmc-chains", "3", "--mcmc-seed", "18446744073709551615", "--mcmc-tolerance", "10"]).sampling.options)
        XCTAssertEqual(o, ScanMCMCOptions(sampler: .hmc, chains: 3, steps: 300, burnIn: 50, seed: UInt64.max, temperature2: 10))
    }

    func testUsageErrorsAreCaughtWhileParsing() {
        for args in [["--mcmc-steps", "10"], ["--mcmc", "--mcmc-thin", "0"], ["--mcmc", "--mcmc-sampler", "gibbs"],
                     ["--mcmc", "--mcmc-walkers", "5"]] {
            XCTAssertThrowsError(try scan(args), "\(args)") { error in
                XCTAssertEqual(PDFEmuCommand.exitCode(for: error), .validationFailure, "\(args)")
            }
        }
    }

    func testLibrarySettingErrorsAreNamedByTheirFlags() {
        XCTAssertEqual(cliMessage(ScanSettingError(.mcmcThin, "need at least 1, got 0")), "--mcmc-thin: need at least 1, got 0")
        XCTAssertEqual(cliMessage(ScanSettingError(.bounds, "Bg", "lower 1 must be below upper 0")), "--bound Bg: lower 1 must be below upper 0")
        XCTAssertEqual("\(ScanSettingError(.bounds, "Bg", "lower 1 must be below upper 0"))", "bounds Bg: lower 1 must be below upper 0")
        // Every setting has a flag of its own.
        let flags = Setting.scanSettings.map(\.flag)
        XCTAssertEqual(Set(flags).count, flags.count)
        // Settings of other modules are spelled by the same table; none falls back to the library spelling.
        XCTAssertEqual(cliMessage(SettingError(.q2Min, "1e9 leaves no data points")), "--q2-min: 1e9 leaves no data points")
        XCTAssertEqual(cliMessage(SettingError(.plotDirectory, "out", "is not writable")), "--plot out: is not writable")
        let others: [Setting] = [.q2Min, .theoryFixed, .theoryFree, .eigenTolerance, .eigenMaxIterations, .experimentPoints,
                                 .xPoints, .designMix, .designDeltaMax, .designBox, .designGaussianScale, .plotDirectory, .resume]
        for s in Setting.scanSettings + others where s != .widen { XCTAssertTrue(s.flag.hasPrefix("--"), "\(s) has no flag") }
    }
}
