import PDFEmu

/// Loads the model `pdfemu scan` works on from a file.
/// The neural-network emulator is not part of this build yet; the integrator replaces the body with
/// `try Emulator.load(path)`.
func loadScalarModel(_ path: String) throws -> any ScalarModel {
    throw PDFEmuError("\(path): emulator loading not available in this build")
}
