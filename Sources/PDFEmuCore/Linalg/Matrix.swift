/// A dense row-major matrix of doubles: the one place `r * columns + c` indexing is spelled out.
/// Public APIs keep flat `[Double]` arrays (row-major, shape stated in their doc comments); `Matrix`
/// wraps and unwraps them without copying logic of its own.
package struct Matrix: Sendable, Equatable {
    /// Number of rows.
    package let rows: Int
    /// Number of columns.
    package let columns: Int
    /// The entries, row-major (count rows × columns).
    package var values: [Double]

    /// A rows × columns matrix filled with `value`.
    package init(rows: Int, columns: Int, repeating value: Double = 0) {
        self.rows = rows; self.columns = columns
        values = [Double](repeating: value, count: rows * columns)
    }

    /// Wraps row-major `values` (count must be rows × columns).
    package init(rows: Int, columns: Int, values: [Double]) {
        precondition(values.count == rows * columns, "Matrix: \(values.count) values for \(rows)×\(columns)")
        self.rows = rows; self.columns = columns; self.values = values
    }

    /// Wraps a square n × n row-major array.
    package init(square values: [Double], n: Int) { self.init(rows: n, columns: n, values: values) }

    /// Entry (r, c).
    package subscript(r: Int, c: Int) -> Double {
        get { values[r * columns + c] }
        set { values[r * columns + c] = newValue }
    }

    /// Row r as an array.
    package func row(_ r: Int) -> [Double] { Array(values[(r * columns)..<((r + 1) * columns)]) }

    /// The square submatrix of the given row/column indices, scaled by `scale`.
    package func submatrix(_ indices: [Int], scale: Double = 1) -> Matrix {
        var m = Matrix(rows: indices.count, columns: indices.count)
        for (r, i) in indices.enumerated() { for (c, j) in indices.enumerated() { m[r, c] = scale * self[i, j] } }
        return m
    }

    /// ½(M + Mᵀ) of a square matrix.
    package func symmetrised() -> Matrix {
        var m = self
        for r in 0..<rows { for c in 0..<r { let s = 0.5 * (self[r, c] + self[c, r]); m[r, c] = s; m[c, r] = s } }
        return m
    }

    /// vᵀ M v of a square matrix.
    package func quadraticForm(_ v: [Double]) -> Double {
        var s = 0.0
        for r in 0..<rows { for c in 0..<columns { s += v[r] * self[r, c] * v[c] } }
        return s
    }

    /// The diagonal of a square matrix.
    package var diagonal: [Double] { (0..<min(rows, columns)).map { self[$0, $0] } }
}
