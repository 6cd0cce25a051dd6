import PDFEmuCore
import PDFEmuIO
import PDFEmuNetwork
import PDFEmuTheory
import PDFEmuAnalysis
/// A chunk of points that could not be evaluated.
public struct OracleFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The rows of the chunk that failed (in the points asked).
    public var rows: Range<Int>
    /// Why.
    public var error: OracleError
    public var description: String {
        error.description + " (points \(rows.lowerBound)..<\(rows.upperBound); \(rows.lowerBound) evaluated before)"
    }
}

/// The outcome of a chunked evaluation: the rows evaluated before any failure, and the failure.
///
/// `result` always holds the rows `0..<result.count`, complete and checked, so a caller (an
/// active-learning loop, a batch job) keeps every point already paid for when a later chunk fails.
public struct OracleOutcome: Sendable, Equatable {
    /// The points asked.
    public var points: OraclePoints
    /// The rows evaluated, in order: rows `0..<result.count` of `points`.
    public var result: OracleResult
    /// The first chunk that failed (nil: every point was evaluated). Later chunks were not tried.
    public var failure: OracleFailure?

    /// True if every point was evaluated.
    public var isComplete: Bool { failure == nil && result.count == points.count }
    /// The points evaluated (rows `0..<result.count`).
    public var evaluatedPoints: OraclePoints { points.rows(0..<result.count) }

    /// The full result, or the failure.
    public func get() throws(OracleFailure) -> OracleResult {
        if let failure { throw failure }
        return result
    }
}

extension ChiSquareOracle {
    /// Evaluates `points` in chunks of `chunkSize` rows (0: all at once), one oracle call per chunk, in
    /// order; stops at the first chunk that fails and returns what was evaluated before it. Each chunk's
    /// result is checked (N rows; experiment names equal to the first chunk's). `progress(done, total)`
    /// is called after each chunk.
    public func evaluate(_ points: OraclePoints, chunkSize: Int,
                         progress: ((_ done: Int, _ total: Int) -> Void)? = nil) -> OracleOutcome {
        let n = points.count
        let size = chunkSize > 0 ? chunkSize : max(1, n)
        var outcome = OracleOutcome(points: points, result: OracleResult(), failure: nil)
        var start = 0
        while start < n {
            let rows = start..<min(n, start + size)
            do throws(OracleError) {
                let part = try evaluate(points.rows(rows))
                guard part.count == rows.count else {
                    throw OracleError(.wrongShape, oracle: label, "returned \(part.count) rows for \(rows.count) points")
                }
                var merged = outcome.result
                do { try merged.append(part) } catch { throw error.from(label) }
                outcome.result = merged
            } catch {
                outcome.failure = OracleFailure(rows: rows, error: error)
                return outcome
            }
            start = rows.upperBound
            progress?(start, n)
        }
        return outcome
    }
}
