// swift-tools-version:6.0
// A downstream analysis package: depends on PDFEmu by path, loads the bundled emulator and evaluates it.
import PackageDescription

let package = Package(
    name: "PDFEmuExamples",
    dependencies: [.package(name: "PDFEmu", path: "..")],
    targets: [
        .executableTarget(name: "EmulatorDemo", dependencies: [.product(name: "PDFEmu", package: "PDFEmu")]),
    ],
    swiftLanguageModes: [.v5]
)
