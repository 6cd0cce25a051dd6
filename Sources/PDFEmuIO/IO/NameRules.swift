import PDFEmuCore
/// The rules every parameter and experiment name obeys where it enters pdfemu (scan files, emulator
/// files): names become HDF5 dataset names, plot file names and message text, so they are non-empty,
/// at most `maxLength` characters, free of "/" and control characters, and unique in their list.
package enum NameRules {
    /// The longest accepted name, in characters.
    package static let maxLength = 256

    /// Throws one line naming `source` (file and dataset) and the first bad name in `names`; `what`
    /// is "parameter" or "experiment".
    package static func validate(_ names: [String], what: String, source: PDFEmuError.Subject) throws(PDFEmuError) {
        var seen = Set<String>()
        for (i, n) in names.enumerated() {
            let shown = n.count > 40 ? "\"\(n.prefix(40))…\"" : "\"\(n)\""
            if n.isEmpty { throw PDFEmuError(source, "\(what) name \(i) is empty") }
            if n.count > maxLength {
                throw PDFEmuError(source, "\(what) name \(i) \(shown) is \(n.count) characters long (at most \(maxLength))")
            }
            if n.contains("/") { throw PDFEmuError(source, "\(what) name \(shown) contains '/'") }
            if n.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                throw PDFEmuError(source, "\(what) name \(i) contains a control character")
            }
            if !seen.insert(n).inserted { throw PDFEmuError(source, "\(what) name \(shown) appears twice") }
        }
    }
}
