import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory

/// HDF5 layout of an eigenvector set (attribute `format` = "pdfemu-eigen-1"):
/// `/members` [2n+1, P] (LHAPDF numbering: 0 central, 2k−1/2k the ± ends of direction k; NaN rows for
/// open ends), `/member_found` [2n+1], `/parameter_names` [P], `/directions` [n, P], `/eigenvalues` [n],
/// `/distance` [n, 2] (± ends, basis units, NaN open), `/delta_chi2` [n, 2], `/delta_chi2_at_quadratic` [n, 2],
/// `/quantity_names` [Q], `/quantity_values` [Q, 2n+1], `/quantity_uncertainty` [Q, 6] (central,
/// symmetric, plus, minus, Lagrange lower, Lagrange upper; NaN when absent); attributes `tolerance`,
/// `chi2_min`, `iterations`, `residual`. With the dynamic tolerance, group `/dynamic` holds `members`,
/// `member_found`, `delta_chi2` [n, 2], `experiment_names` [n·2] (the experiment setting each end, "" if
/// open), `quantity_uncertainty` [Q, 4]; attribute `mapping`.
extension EigenvectorSetResult {
    /// The `format` attribute value.
    package static let hdf5Format = "pdfemu-eigen-1"

    /// Writes the set as a new HDF5 file, atomically.
    package func write(to path: String) throws {
        try AtomicOutput.write(to: path) { tmp in
            let f = try HDF5File(create: tmp)
            let p = parameterNames.count, n = directions.count
            try f.writeAttribute("format", Self.hdf5Format)
            try f.setScalar("tolerance", tolerance)
            try f.setScalar("chi2_min", minimum.chi2)
            try f.setInteger("iterations", basis.iterations)
            try f.setScalar("residual", basis.residual)
            try f.writeStrings("/parameter_names", parameterNames)
            try f.writeMatrixRows("/members", members, columns: p)
            try f.writeFlags("/member_found", memberFound)
            try f.writeMatrixRows("/directions", basis.directions, columns: p)
            try f.writeVector("/eigenvalues", basis.eigenvalues)
            func pair(_ x: (EigenEnd) -> Double?) -> [[Double]] { directions.map { [x($0.plus) ?? .nan, x($0.minus) ?? .nan] } }
            try f.writeMatrixRows("/distance", pair(\.distance), columns: 2)
            try f.writeMatrixRows("/delta_chi2", pair(\.deltaChi2), columns: 2)
            try f.writeMatrixRows("/delta_chi2_at_quadratic", pair { $0.deltaChi2AtQuadratic }, columns: 2)
            try f.writeStringList("/quantity_names", quantities.map(\.name))
            if !quantities.isEmpty {
                try f.writeMatrixRows("/quantity_values", quantities.map(\.values), columns: 2 * n + 1)
                try f.writeMatrixRows("/quantity_uncertainty", quantities.map {
                    [$0.central, $0.symmetric, $0.plus, $0.minus, $0.lagrange?.lower ?? .nan, $0.lagrange?.upper ?? .nan]
                }, columns: 6)
            }
            if let d = dynamic {
                try f.createGroup("/dynamic")
                try f.writeAttribute("mapping", d.mapping.rawValue, of: "/dynamic")
                try f.writeMatrixRows("/dynamic/members", d.members, columns: p)
                try f.writeFlags("/dynamic/member_found", [true] + d.directions.flatMap { [$0.plus.theta != nil, $0.minus.theta != nil] })
                try f.writeMatrixRows("/dynamic/delta_chi2", d.directions.map { [$0.plus.deltaChi2 ?? .nan, $0.minus.deltaChi2 ?? .nan] }, columns: 2)
                try f.writeStrings("/dynamic/experiment_names", d.directions.flatMap { [$0.plus.experiment ?? "", $0.minus.experiment ?? ""] })
                if !d.quantities.isEmpty {
                    try f.writeMatrixRows("/dynamic/quantity_uncertainty", d.quantities.map { [$0.central, $0.symmetric, $0.plus, $0.minus] }, columns: 4)
                }
            }
            try f.flush()
        }
    }

    /// Reads the members and parameter names of a set file (for PDF bands and checks).
    package static func readMembers(_ path: String) throws -> (parameterNames: [String], members: [[Double]], found: [Bool], tolerance: Double) {
        let f = try HDF5File(open: path)
        let fmt = try f.readStringAttribute("format")
        guard fmt == hdf5Format else { throw PDFEmuError(file: path, "format is '\(fmt)', expected '\(hdf5Format)' (write it with pdfemu eigen)") }
        let names = try f.readStrings("/parameter_names")
        let rows = try f.matrixRows("/members")
        let found = try f.flags("/member_found")
        guard rows.allSatisfy({ $0.count == names.count }), found.count == rows.count else {
            throw PDFEmuError(file: path, "/members does not match /parameter_names and /member_found")
        }
        return (names, rows, found, try f.scalar("tolerance"))
    }
}
