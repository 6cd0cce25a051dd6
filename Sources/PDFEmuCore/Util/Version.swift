/// pdfemu's version.
public let pdfemuVersion = "0.1.0"
