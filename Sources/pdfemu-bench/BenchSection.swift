import Foundation

/// One named benchmark section: `pdfemu-bench NAME` runs it. Sections that compare configurations
/// which can only be set before a library loads (e.g. OpenBLAS kernels) measure those in child
/// processes of this executable: `pdfemu-bench --child NAME ARGS...` calls `child` and prints the
/// one-line JSON it returns.
struct BenchSection {
    /// Name on the command line.
    var name: String
    /// One line for `--list`.
    var summary: String
    /// Runs the section and prints its report.
    var run: () throws -> Void
    /// Measurement run inside a child process; returns one line of JSON for the parent.
    var child: (([String]) throws -> String)?

    /// Every section, in the order `pdfemu-bench` with no arguments runs them. To add one, write a file
    /// with `extension BenchSection { static let mine = BenchSection(...) }` and list it here.
    static let all: [BenchSection] = [.sgemm, .train, .infer, .point, .memory, .profile, .theory, .accuracy, .evidence]
}

/// A benchmark failed; the message is printed as one "error:" line.
struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
