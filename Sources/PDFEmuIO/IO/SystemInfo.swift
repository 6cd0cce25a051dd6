import PDFEmuCore
/// Versions and the linear-algebra back end, as `pdfemu info` prints them.
package struct SystemInfo: Sendable, Codable {
    /// pdfemu's version.
    package var pdfemu: String
    /// The HDF5 library version.
    package var hdf5: String
    /// The BLAS in use.
    package var blas: BLASInfo

    /// Reads the current process's values (loads BLAS if needed).
    package static func current() throws -> SystemInfo {
        SystemInfo(pdfemu: pdfemuVersion, hdf5: hdf5LibraryVersion(), blas: try BLAS.info())
    }

    /// Human-readable lines.
    package func text() -> String {
        let how = blas.coretypeChosenByPDFEmu ? "chosen by pdfemu for this CPU"
            : (blas.coretype.isEmpty ? "OpenBLAS's own detection" : "from the environment")
        return """
        pdfemu \(pdfemu)
        HDF5 \(hdf5)
        BLAS library: \(blas.library)
        BLAS kernels: \(blas.kernel) (OPENBLAS_CORETYPE=\(blas.coretype.isEmpty ? "unset" : blas.coretype), \(how); CPU level \(blas.cpuLevel))
        BLAS threads: \(blas.threads)
        BLAS config: \(blas.config)
        """
    }
}
