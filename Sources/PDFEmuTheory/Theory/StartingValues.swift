import PDFEmuCore
import PDFEmuIO
extension HERAParametrisation {
    /// Default starting point for minimising a theory χ² (16 values, `parameterNames` order):
    /// HERAPDF2.0-NLO-like central values (rounded, as quoted for the HERAPDF2.0 fit of
    /// arXiv:1506.06042; Duv = 0 and fs = 0.4 as in that fit). They are a start in the physical
    /// region, not this theory file's minimum (which differs: other data treatment and heavy-quark
    /// scheme); for a known valley start from a scan file's best point instead (`pdfemu --starts-from`).
    package static let startingValues: [Double] = [
        -0.061, 5.56, 0.166, -0.383,      // Bg Cg Agp Bgp
        0.81, 4.82, 0, 9.92,              // Buv Cuv Duv Euv
        1.03, 4.85,                       // Bdv Cdv
        7.06, 1.55,                       // CUbar DUbar
        0.161, -0.127, 9.59,              // ADbar BDbar CDbar
        0.4,                              // fs
    ]
}
