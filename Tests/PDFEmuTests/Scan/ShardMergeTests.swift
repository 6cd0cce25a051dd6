import XCTest
@testable import PDFEmuCore
@testable import PDFEmuIO
@testable import PDFEmuAnalysis
import PDFEmuTestSupport

final class ShardMergeTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("pdfemu-scan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }
    func path(_ n: String) -> String { dir.appendingPathComponent(n).path }

    let options = ScanOptions(tolerances: [1, 10], points: 15, contours: [["p0", "p2"], ["p1", "p3"]], rays: 12,
                              lagrangeExpressions: ["p0 - 2*(p1 + 0.5)"],
                              mcmc: ScanMCMCOptions(chains: 3, steps: 60, burnIn: 20, thin: 2, seed: 5))

    func testHDF5RoundTripKeepsEverything() throws {
        let m = QuadraticModel(p: 5, quartic: 0.2)
        let r = try ScanRunner.run(model: m, options: options)
        try r.write(to: path("full.h5"))
        let back = try ScanResult.read(path("full.h5"))
        XCTAssertEqual(back, r.withoutTiming)
        XCTAssertEqual(hdf5OpenObjectCount(), 0)
        // The layout documented in docs/FORMAT.md.
        let f = try HDF5File(open: path("full.h5"))
        for obj in ["/minimum/theta", "/hessian/covariance", "/profiles/p3/delta_chi2", "/profiles/p3/theta",
                    "/profiles/p3/per_experiment", "/profiles/p3/spread", "/profiles/p3/inside", "/profiles/p3/converged",
                    "/contours/p0__p2/level_2.3/a", "/contours/p0__p2/level_6.18/inside", "/lagrange/q0/q",
                    "/mcmc/samples", "/mcmc/chi2", "/mcmc/mean", "/mcmc/chain_0/split_rhat", "/mcmc/chain_2/mean"] {
            XCTAssertTrue(f.isDataset(obj), obj)
        }
        XCTAssertEqual(try f.read("/profiles/p3/theta", as: Double.self).shape, [15, 5])
        XCTAssertEqual(try f.read("/mcmc/samples", as: Double.self).shape, [3 * 32 * 30, 5])
        XCTAssertEqual(try f.read("/mcmc/chain_1/samples", as: Double.self).shape, [0, 5])
        XCTAssertEqual(back.mcmc?.chains.count, 3)
    }

    func testShardsMergeToTheUnshardedResult() throws {
        let m = QuadraticModel(p: 5, quartic: 0.2)
        let full = try ScanRunner.run(model: m, options: options)
        XCTAssertEqual(full.units.count, 5 + 2 + 1 + 3)
        XCTAssertEqual(full.mcmc?.chains.count, 3)
        try full.write(to: path("full.h5"))
        var shardPaths: [String] = []
        for k in [2, 0, 1] {
            var o = options
            o.shard = ShardSpec(index: k, count: 3)
            let r = try ScanRunner.run(model: m, options: o)
            XCTAssertEqual(r.runID, full.runID)
            XCTAssertEqual(r.profiles.count + r.contours.count + r.lagrange.count + (r.mcmc?.chains.count ?? 0),
                           full.units.indices.filter { $0 % 3 == k }.count)
            XCTAssertEqual(r.mcmc?.chains.count, 1)  // units 8, 9, 10 are the chains: one per shard
            try r.write(to: path("s\(k).h5"))
            shardPaths.append(path("s\(k).h5"))
        }
        try ScanMergeIO.merge(shardPaths, into: path("merged.h5"))
        XCTAssertEqual(try ScanResult.read(path("merged.h5")), try ScanResult.read(path("full.h5")))
        XCTAssertEqual(try ScanResult.read(path("merged.h5")), full.withoutTiming)
        XCTAssertEqual(try ScanResult.read(path("merged.h5")).mcmc, full.mcmc)

        // Misfits: missing, duplicated, another run, an unsharded file. Nothing is written.
        func failure(_ paths: [String]) -> String {
            do { try ScanMergeIO.merge(paths, into: path("bad.h5")); return "" } catch { return userMessage(error) }
        }
        XCTAssertTrue(failure(Array(shardPaths.prefix(2))).contains("shard 2/3 missing") == false)
        XCTAssertTrue(failure([shardPaths[0], shardPaths[1]]).contains("missing"))
        XCTAssertTrue(failure([shardPaths[0], shardPaths[1], shardPaths[2], shardPaths[0]]).contains("given twice"))
        var other = options
        other.points = 17
        other.shard = ShardSpec(index: 0, count: 3)
        try ScanRunner.run(model: m, options: other).write(to: path("other.h5"))
        XCTAssertTrue(failure([path("other.h5"), shardPaths[0], shardPaths[2]]).contains("different run"))
        XCTAssertTrue(failure([path("full.h5")]).contains("not a shard output"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("bad.h5")))
        XCTAssertEqual(hdf5OpenObjectCount(), 0)
    }
}
