// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "PDFEmu",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "PDFEmu", targets: ["PDFEmu"]),
        .executable(name: "pdfemu", targets: ["pdfemu"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // HDF5 C library (Debian: libhdf5-dev), with a shim exposing the macros Swift cannot import.
        .systemLibrary(
            name: "CHDF5",
            pkgConfig: "hdf5",
            providers: [.apt(["libhdf5-dev"])]
        ),
        // OpenBLAS (Debian: libopenblas-dev), loaded at first use with dlopen so that the kernel
        // type (OPENBLAS_CORETYPE) can be chosen for this CPU before the library initialises.
        .target(
            name: "CBLASLoader",
            linkerSettings: [.linkedLibrary("dl")]
        ),
        // Elementwise float kernels (activations, Adam), multi-versioned for AVX-512/AVX2/baseline.
        .target(name: "CKernels"),
        // Turns a fault inside libhdf5 on a damaged file into one error line and exit status 1.
        .target(name: "CFaultGuard"),
        // The library in layers; each module imports only those above it, so an upward use is a compile error.
        // 1. Errors, formatting, linear algebra, scans in memory, the model seam, minimisation and root finding.
        .target(name: "PDFEmuCore", dependencies: ["CBLASLoader"]),
        // 2. HDF5 (one error funnel), scan and points files, file identity, atomic output, system info.
        .target(name: "PDFEmuIO", dependencies: ["PDFEmuCore", "CHDF5", "CFaultGuard", "CBLASLoader"]),
        // 3. Dense networks, training and the emulator (a trained ScalarModel).
        .target(name: "PDFEmuNetwork", dependencies: ["PDFEmuCore", "PDFEmuIO", "CKernels"]),
        // 4. The exact HERA χ² from an FK table.
        .target(name: "PDFEmuTheory", dependencies: ["PDFEmuCore", "PDFEmuIO", "CKernels"]),
        // 5. What is computed on any ScalarModel: sampling, scans, eigenvector sets, evidence.
        .target(name: "PDFEmuAnalysis", dependencies: ["PDFEmuCore", "PDFEmuIO", "PDFEmuTheory"]),
        // 6. Asking a true χ²: oracles, verification, proposals, the active-learning loop.
        .target(name: "PDFEmuLearn", dependencies: ["PDFEmuCore", "PDFEmuIO", "PDFEmuNetwork", "PDFEmuTheory", "PDFEmuAnalysis"]),
        // 7. Text summaries, comparisons and SVG plots.
        .target(name: "PDFEmuReport", dependencies: ["PDFEmuCore", "PDFEmuIO", "PDFEmuNetwork", "PDFEmuTheory", "PDFEmuAnalysis", "PDFEmuLearn"]),
        // The umbrella: `import PDFEmu` brings every layer's public API.
        .target(
            name: "PDFEmu",
            dependencies: ["PDFEmuCore", "PDFEmuIO", "PDFEmuNetwork", "PDFEmuTheory", "PDFEmuAnalysis", "PDFEmuLearn", "PDFEmuReport"]
        ),
        .executableTarget(
            name: "pdfemu",
            dependencies: [
                "PDFEmu",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // A small external χ² program speaking the oracle protocol (docs/ORACLE.md), used by the tests.
        .executableTarget(
            name: "pdfemu-oracle-example",
            dependencies: ["PDFEmu"]
        ),
        // Speed benchmarks (`make bench`): named sections, ratios measured side by side in one run.
        .executableTarget(
            name: "pdfemu-bench",
            dependencies: ["PDFEmu"]
        ),
        // Shared test fixtures, analytic models and the runner of the built CLI (used by the tests only).
        .target(
            name: "PDFEmuTestSupport",
            dependencies: ["PDFEmu"],
            path: "Tests/PDFEmuTestSupport"
        ),
        .testTarget(
            name: "PDFEmuTests",
            dependencies: ["PDFEmu", "pdfemu", "PDFEmuTestSupport"],
            exclude: ["Closure/make_closure_gaps.py", "Closure/closure_known_gaps.json", "Closure/theory_closure_gaps.json"],
            resources: [.copy("Fixtures")]
        ),
    ],
    swiftLanguageModes: [.v5]
)
