import CHDF5
import PDFEmuCore

/// A Swift number type with a matching HDF5 native memory type. HDF5 converts on read
/// (float32 on disk is read into `Double` exactly, integers into floats, and so on).
package protocol HDF5Numeric: Sendable {
    /// The HDF5 native memory type of `Self`.
    static var h5MemoryType: hid_t { get }
    /// Zero, for buffer allocation.
    static var h5Zero: Self { get }
}

extension Double: HDF5Numeric {
    package static var h5MemoryType: hid_t { pdfemu_H5T_NATIVE_DOUBLE() }
    package static var h5Zero: Double { 0 }
}

extension Float: HDF5Numeric {
    package static var h5MemoryType: hid_t { pdfemu_H5T_NATIVE_FLOAT() }
    package static var h5Zero: Float { 0 }
}

extension Int64: HDF5Numeric {
    package static var h5MemoryType: hid_t { pdfemu_H5T_NATIVE_INT64() }
    package static var h5Zero: Int64 { 0 }
}

extension Int32: HDF5Numeric {
    package static var h5MemoryType: hid_t { pdfemu_H5T_NATIVE_INT32() }
    package static var h5Zero: Int32 { 0 }
}
