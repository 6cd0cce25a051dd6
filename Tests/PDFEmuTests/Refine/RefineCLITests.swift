import XCTest
import PDFEmuTestSupport

/// `pdfemu refine`: bad input is one error line naming the flag or file, and nothing is written.
final class RefineCLITests: XCTestCase {
    let emulator = packageRoot.appendingPathComponent("Datasets/hera14_emulator.h5").path

    func testBadSettingsAreOneLineNamingTheFlag() throws {
        let dir = try TemporaryDirectory()
        let out = dir.path("r.h5")
        let base = ["refine", "--emulator", emulator, "--scan", dir.path("missing.h5"), "--oracle", "fk:Datasets/hera_fk_nlo.h5", "--output", out]
        // A typed option: the parser refuses the value (usage error, status 64) before anything runs.
        try PDFEmuExecutable.expectOneLineError(base + ["--gradients", "both"], containing: "'both' is invalid for '--gradients", status: 64, absent: [out])
        try PDFEmuExecutable.expectOneLineError(base + ["--epsilon", "0"], containing: "--epsilon: must be a positive", absent: [out])
        try PDFEmuExecutable.expectOneLineError(base + ["--budget", "0"], containing: "--budget: must be at least 1", absent: [out])
        try PDFEmuExecutable.expectOneLineError(base + ["--secant-steps", "-1"], containing: "--secant-steps: must be 0 or more", absent: [out])
        try PDFEmuExecutable.expectOneLineError(base, containing: "missing.h5", absent: [out])
        try PDFEmuExecutable.expectOneLineError(["refine", "--emulator", emulator, "--scan", emulator, "--oracle", "fk:x.h5",
                                                 "--output", emulator], containing: "--emulator", absent: [])
    }
}
