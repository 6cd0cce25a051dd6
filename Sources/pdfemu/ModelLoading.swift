import PDFEmu

/// Loads the emulator file a scan works on.
func loadScalarModel(_ path: String) throws -> any ScalarModel {
    try Emulator.load(path)
}
