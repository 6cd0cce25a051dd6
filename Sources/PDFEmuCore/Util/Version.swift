/// pdfemu's version.
package let pdfemuVersion = "0.1.0"
