// swift-tools-version:6.0
// A downstream analysis package: depends on PDFEmu by path, loads the bundled emulator and evaluates it,
// and an external χ² oracle speaking pdfemu's oracle protocol.
import PackageDescription

let package = Package(
    name: "PDFEmuExamples",
    dependencies: [.package(name: "PDFEmu", path: "..")],
    targets: [
        .executableTarget(name: "EmulatorDemo", dependencies: [.product(name: "PDFEmu", package: "PDFEmu")]),
        // An external χ² oracle for `pdfemu chi2 --oracle 'AnalyticOracle {input} {output}'` (docs/ORACLE.md).
        .executableTarget(name: "AnalyticOracle", dependencies: [.product(name: "PDFEmu", package: "PDFEmu")]),
    ],
    swiftLanguageModes: [.v5]
)
