import XCTest
import PDFEmuTestSupport

/// `pdfemu evidence --theory`: two configurations of the exact theory and their Bayes factor, and its bad input.
final class EvidenceTheoryCLITests: XCTestCase {
    func testBayesFactorOfTwoTheoryConfigurationsAndBadInput() throws {
        let theory = packageRoot.appendingPathComponent("Datasets/hera_fk_nlo.h5").path
        let prior = packageRoot.appendingPathComponent("Configs/hera15_prior.json").path
        let free14 = "Bg,Cg,Agp,Bgp,Buv,Cuv,Euv,Bdv,Cdv,CUbar,DUbar,ADbar,BDbar,CDbar"
        let r = try PDFEmuExecutable.run(["evidence", "--theory", theory, "--free-b", free14 + ",Duv", "--prior-file", prior,
                                          "--method", "importance,annealed", "--samples", "500", "--particles", "64", "--temperatures", "8", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((obj["results"] as? [Any])?.count, 2)
        XCTAssertNotNil(obj["bayesFactor"])
        let stray = try PDFEmuExecutable.run(["evidence", "--free-b", "Bg", "--prior-file", prior])
        XCTAssertEqual(stray.status, 1)
        XCTAssertEqual(stray.stderrLines, ["error: --fix, --free and --free-b need --theory"])
        let both = try PDFEmuExecutable.run(["evidence", "x.h5", "--theory", theory, "--prior-file", prior])
        XCTAssertEqual(both.status, 1)
        XCTAssertTrue(both.stderr.contains("not both"), both.stderr)
    }
}
