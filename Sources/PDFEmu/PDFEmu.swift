// The umbrella module: `import PDFEmu` gives downstream code every layer's public API.
@_exported import PDFEmuCore
@_exported import PDFEmuIO
@_exported import PDFEmuNetwork
@_exported import PDFEmuTheory
@_exported import PDFEmuAnalysis
@_exported import PDFEmuLearn
@_exported import PDFEmuReport
