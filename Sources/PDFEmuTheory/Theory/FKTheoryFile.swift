import Foundation
import PDFEmuCore
import PDFEmuIO

/// The contents of an FK theory file (`Datasets/hera_fk_nlo.h5`, layout in Datasets/README.md): data,
/// uncertainties, correlated systematics and the FK table, checked for presence and shape on load.
/// N = data points, S = correlated sources, F = 7 flavours, X = x-grid points.
package struct FKTheoryFile: Sendable {
    /// The file's path as given.
    package let path: String
    /// Measured reduced cross sections [N].
    package let data: [Double]
    /// Statistical uncertainties (absolute) [N].
    package let stat: [Double]
    /// Uncorrelated systematic uncertainties (absolute) [N].
    package let uncorrelated: [Double]
    /// Correlated systematic shifts B (absolute) [N, S] row-major.
    package let correlated: [Double]
    /// Number of correlated sources S.
    package let sourceCount: Int
    /// FK table [N, F, X] row-major: T_i = Σ_a Σ_k fk[i,a,k] f_a(x_k).
    package let fk: [Double]
    /// The x grid [X], ascending.
    package let xgrid: [Double]
    /// Flavour names [F] (g, d, u, s, dbar, ubar, sbar).
    package let flavours: [String]
    /// Data set of each point (0 ..< E) [N].
    package let experimentIndex: [Int]
    /// Data set names [E].
    package let experimentNames: [String]
    /// x, Q² (GeV²), y of each point [N, 3] row-major.
    package let kinematics: [Double]
    /// Root attributes (provenance of the build), as text.
    package let attributes: Provenance

    /// Number of data points N.
    package var count: Int { data.count }
    /// Q² of point i (GeV²).
    package func q2(_ i: Int) -> Double { kinematics[3 * i + 1] }

    /// Loads and checks `path`. Throws one line naming the file and the dataset at fault (missing,
    /// wrong type or shape, flavours other than g d u s dbar ubar sbar, x grid not ascending in (0, 1],
    /// experiment index out of range, non-finite numbers).
    package static func read(_ path: String) throws -> FKTheoryFile {
        let f = try HDF5File(open: path)
        func numbers(_ name: String, shape expected: [Int?]) throws -> (shape: [Int], values: [Double]) {
            let r: (shape: [Int], values: [Double]) = try f.read("/" + name)
            let ok = r.shape.count == expected.count && zip(r.shape, expected).allSatisfy { $1 == nil || $0 == $1! }
            guard ok else {
                let want = "[" + expected.map { $0.map(String.init) ?? "·" }.joined(separator: ", ") + "]"
                throw HDF5Error(file: path, object: "/" + name, message: "has shape \(r.shape), expected \(want)")
            }
            if let bad = r.values.firstIndex(where: { !$0.isFinite }) {
                throw HDF5Error(file: path, object: "/" + name, message: "element \(bad) is \(r.values[bad]), expected finite numbers")
            }
            return r
        }
        func strings(_ name: String, count: Int) throws -> [String] {
            let s = try f.readStrings("/" + name)
            guard s.count == count else {
                throw HDF5Error(file: path, object: "/" + name, message: "has \(s.count) entries, expected \(count)")
            }
            return s
        }
        let data = try numbers("data", shape: [nil]).values
        let n = data.count
        guard n > 0 else { throw HDF5Error(file: path, object: "/data", message: "is empty (no data points)") }
        let stat = try numbers("stat", shape: [n]).values
        let unc = try numbers("uncorr_sys", shape: [n]).values
        let corr = try numbers("corr_sys", shape: [n, nil])
        let xgrid = try numbers("xgrid", shape: [nil]).values
        let flavours = try strings("flavours", count: HERAParametrisation.flavourNames.count)
        guard flavours == HERAParametrisation.flavourNames else {
            throw HDF5Error(file: path, object: "/flavours", message: "is \(flavours.joined(separator: " ")), expected "
                            + HERAParametrisation.flavourNames.joined(separator: " "))
        }
        let pids = try numbers("flavour_pids", shape: [flavours.count]).values.map { Int($0) }
        guard pids == HERAParametrisation.flavourPIDs else {
            throw HDF5Error(file: path, object: "/flavour_pids", message: "is \(pids), expected \(HERAParametrisation.flavourPIDs)")
        }
        guard !xgrid.isEmpty, xgrid.allSatisfy({ $0 > 0 && $0 <= 1 }), zip(xgrid, xgrid.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw HDF5Error(file: path, object: "/xgrid", message: "must be ascending within (0, 1]")
        }
        let fk = try numbers("fk", shape: [n, flavours.count, xgrid.count]).values
        let expIndexD = try numbers("experiment_index", shape: [n]).values
        let expNames = try f.readStrings("/experiment_names")
        guard !expNames.isEmpty else { throw HDF5Error(file: path, object: "/experiment_names", message: "is empty") }
        let expIndex = expIndexD.map { Int($0) }
        if let bad = expIndex.indices.first(where: { expIndex[$0] < 0 || expIndex[$0] >= expNames.count || Double(expIndex[$0]) != expIndexD[$0] }) {
            throw HDF5Error(file: path, object: "/experiment_index",
                            message: "entry \(bad) is \(expIndexD[bad]), expected an integer in 0…\(expNames.count - 1)")
        }
        let kin = try numbers("kinematics", shape: [n, 3]).values
        let attrs = try f.provenance()
        return FKTheoryFile(path: path, data: data, stat: stat, uncorrelated: unc, correlated: corr.values,
                            sourceCount: corr.shape[1], fk: fk, xgrid: xgrid, flavours: flavours,
                            experimentIndex: expIndex, experimentNames: expNames, kinematics: kin, attributes: attrs)
    }
}
