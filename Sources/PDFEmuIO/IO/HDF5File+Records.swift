import PDFEmuCore
/// The record layer over `HDF5File`: typed scalar attributes, vectors, matrices, flag and string lists,
/// used by every stored type (`Type+HDF5.swift`) so that each layout is written and read one way.
/// On disk: numbers are float64, integers int64, flags int32 (0/1), strings as `writeStrings` writes them.
extension HDF5File {
    // MARK: Provenance

    /// The attributes of `object` as text, in name order (a numeric one as its number; one that cannot be read as text is skipped).
    package func provenance(of object: String = "/") throws(HDF5Error) -> Provenance {
        var p = Provenance()
        for name in try attributeNames(of: object) {
            if let v = try? readStringAttribute(name, of: object) { p[name] = v }
        }
        return p
    }

    /// Writes (or replaces) each pair of `provenance` as a text attribute of `object`, in order.
    package func writeProvenance(_ provenance: Provenance, of object: String = "/") throws(HDF5Error) {
        for (key, value) in provenance { try writeAttribute(key, value, of: object) }
    }

    // MARK: Scalar attributes

    /// The first value of numeric attribute `name` of `object`; an empty attribute is an error.
    package func scalar(_ name: String, of object: String = "/") throws(HDF5Error) -> Double {
        let v: [Double] = try readNumericAttribute(name, of: object)
        guard let x = v.first else { throw HDF5Error(file: path, object: object, message: "attribute '\(name)' is empty") }
        return x
    }

    /// Integer attribute `name` of `object` (stored as int64; a non-integral or out-of-range value is an error).
    package func integer(_ name: String, of object: String = "/") throws(HDF5Error) -> Int {
        let x = try scalar(name, of: object)
        guard x.rounded() == x, abs(x) < 9.0e15 else {
            throw HDF5Error(file: path, object: object, message: "attribute '\(name)' is \(x), not an integer")
        }
        return Int(x)
    }

    /// Flag attribute `name` of `object` (stored as int32 0/1).
    package func flag(_ name: String, of object: String = "/") throws(HDF5Error) -> Bool { try scalar(name, of: object) != 0 }

    /// Writes numeric attribute `name` = [v].
    package func setScalar(_ name: String, _ v: Double, of object: String = "/") throws(HDF5Error) {
        try writeAttribute(name, [v], of: object)
    }

    /// Writes integer attribute `name` = [v] as int64.
    package func setInteger(_ name: String, _ v: Int, of object: String = "/") throws(HDF5Error) {
        try writeAttribute(name, [Int64(v)], of: object)
    }

    /// Writes flag attribute `name` as int32 0/1.
    package func setFlag(_ name: String, _ v: Bool, of object: String = "/") throws(HDF5Error) {
        try writeAttribute(name, [Int32(v ? 1 : 0)], of: object)
    }

    // MARK: Datasets

    /// A float64 dataset of any shape, flattened.
    package func vector(_ object: String) throws(HDF5Error) -> [Double] { try read(object, as: Double.self).values }

    /// An int64 dataset, flattened.
    package func integers(_ object: String) throws(HDF5Error) -> [Int] { try read(object, as: Int64.self).values.map { Int($0) } }

    /// An int32 0/1 dataset as flags.
    package func flags(_ object: String) throws(HDF5Error) -> [Bool] { try read(object, as: Int32.self).values.map { $0 != 0 } }

    /// A 2-D float64 dataset as rows.
    package func matrixRows(_ object: String) throws(HDF5Error) -> [[Double]] {
        let (shape, v) = try read(object, as: Double.self)
        guard shape.count == 2 else { throw HDF5Error(file: path, object: object, message: "shape \(shape) is not a matrix") }
        return (0..<shape[0]).map { Array(v[($0 * shape[1])..<(($0 + 1) * shape[1])]) }
    }

    /// A string list, or [] if the dataset is absent (empty lists are not stored).
    package func stringList(_ object: String) throws(HDF5Error) -> [String] { exists(object) ? try readStrings(object) : [] }

    /// Writes a 1-D float64 dataset.
    package func writeVector(_ object: String, _ v: [Double]) throws(HDF5Error) { try write(object, v, shape: [v.count]) }

    /// Writes a 1-D int64 dataset.
    package func writeIntegers(_ object: String, _ v: [Int]) throws(HDF5Error) { try write(object, v.map { Int64($0) }, shape: [v.count]) }

    /// Writes flags as a 1-D int32 0/1 dataset.
    package func writeFlags(_ object: String, _ v: [Bool]) throws(HDF5Error) {
        try write(object, v.map { Int32($0 ? 1 : 0) }, shape: [v.count])
    }

    /// Writes rows (each of `columns` values) as a 2-D float64 dataset.
    package func writeMatrixRows(_ object: String, _ rows: [[Double]], columns: Int) throws(HDF5Error) {
        try write(object, rows.flatMap { $0 }, shape: [rows.count, columns])
    }

    /// Writes a string list; an empty list is not stored (`stringList` reads it back as []).
    package func writeStringList(_ object: String, _ v: [String]) throws(HDF5Error) { if !v.isEmpty { try writeStrings(object, v) } }
}
