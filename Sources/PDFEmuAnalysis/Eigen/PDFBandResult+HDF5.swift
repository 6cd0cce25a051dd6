import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory

/// HDF5 layout of PDF bands (attribute `format` = "pdfemu-bands-1"; F flavours, K x values, M members):
/// `/x` [K], `/flavour_names` [F] (g uv dv Ubar Dbar s), `/parameter_names` [16],
/// `/member_parameters` [M, 16] (LHAPDF numbering, NaN rows for open ends), `/member_found` [M],
/// `/members` [M, F, K] (x·f at Q0, NaN for members not in the band), `/central`, `/symmetric`, `/plus`,
/// `/minus` [F, K] (the master formulas); with MCMC samples, group `/mcmc` with `lower68`, `median`,
/// `upper68` [F, K] and attributes `samples`, `temperature2`. Root attributes: `tolerance` (T² of the set), `q0_squared`
/// (GeV²), and the provenance strings given to `write(to:)`.
extension PDFBandResult {
    /// The `format` attribute value.
    package static let hdf5Format = "pdfemu-bands-1"

    /// Writes the bands as a new HDF5 file, atomically; `provenance` becomes string attributes of the root.
    package func write(to path: String, provenance: Provenance = []) throws {
        try AtomicOutput.write(to: path) { tmp in
            let f = try HDF5File(create: tmp)
            let nf = flavourNames.count, k = x.count, m = members.count
            try f.writeAttribute("format", Self.hdf5Format)
            try f.setScalar("tolerance", tolerance)
            try f.setScalar("q0_squared", PDFBands.q0Squared)
            try f.writeProvenance(provenance)
            try f.writeVector("/x", x)
            try f.writeStrings("/flavour_names", flavourNames)
            try f.writeStrings("/parameter_names", HERAParametrisation.parameterNames)
            try f.writeMatrixRows("/member_parameters", memberParameters, columns: HERAParametrisation.parameterNames.count)
            try f.writeFlags("/member_found", memberFound)
            try f.write("/members", members.flatMap { $0.flatMap { $0 } }, shape: [m, nf, k])
            for (name, v) in [("central", central), ("symmetric", symmetric), ("plus", plus), ("minus", minus)] {
                try f.writeMatrixRows("/" + name, v, columns: k)
            }
            if let e = mcmc {
                try f.createGroup("/mcmc")
                try f.setInteger("samples", e.samples, of: "/mcmc")
                try f.setScalar("temperature2", e.temperature2, of: "/mcmc")
                for (name, v) in [("lower68", e.lower), ("median", e.median), ("upper68", e.upper)] {
                    try f.writeMatrixRows("/mcmc/" + name, v, columns: k)
                }
            }
            try f.flush()
        }
    }

    /// Reads bands written by `write(to:)` (warnings are not stored). Throws one line for another
    /// format or inconsistent shapes.
    package static func read(_ path: String) throws -> PDFBandResult {
        let f = try HDF5File(open: path)
        let fmt = try f.readStringAttribute("format")
        guard fmt == hdf5Format else { throw PDFEmuError(file: path, "format is '\(fmt)', expected '\(hdf5Format)' (write it with pdfemu bands)") }
        let x = try f.vector("/x"), names = try f.readStrings("/flavour_names")
        let nf = names.count, k = x.count
        func table(_ object: String) throws -> [[Double]] {
            let rows = try f.matrixRows(object)
            guard rows.count == nf, rows.allSatisfy({ $0.count == k }) else { throw PDFEmuError(file: path, "\(object) is not [\(nf), \(k)]") }
            return rows
        }
        let (shape, flat) = try f.read("/members", as: Double.self)
        guard shape.count == 3, shape[1] == nf, shape[2] == k else { throw PDFEmuError(file: path, "/members is not [M, \(nf), \(k)]") }
        let members = (0..<shape[0]).map { m in (0..<nf).map { a in Array(flat[((m * nf + a) * k)..<((m * nf + a + 1) * k)]) } }
        let found = try f.flags("/member_found"), parameters = try f.matrixRows("/member_parameters")
        guard found.count == shape[0], parameters.count == shape[0] else {
            throw PDFEmuError(file: path, "/member_found or /member_parameters does not match /members")
        }
        var envelope: PDFEnvelope?
        if f.exists("/mcmc") {
            envelope = PDFEnvelope(samples: try f.integer("samples", of: "/mcmc"), temperature2: try f.scalar("temperature2", of: "/mcmc"), lower: try table("/mcmc/lower68"),
                                   median: try table("/mcmc/median"), upper: try table("/mcmc/upper68"))
        }
        return PDFBandResult(x: x, flavourNames: names, tolerance: try f.scalar("tolerance"), memberParameters: parameters,
                             memberFound: found, members: members, central: try table("/central"),
                             symmetric: try table("/symmetric"), plus: try table("/plus"), minus: try table("/minus"),
                             mcmc: envelope, warnings: [])
    }
}
