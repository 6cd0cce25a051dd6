import Foundation
import PDFEmuCore
import PDFEmuIO

/// Every true χ² a refine run has been given, keyed by the exact point: in memory, and with a state
/// directory also on disk (`batch_NNNNN.h5`, one file per oracle call, written atomically before any value
/// of it is used), so that a run killed and started again with the same inputs asks the oracle only for
/// points it has not evaluated. A directory made by another run (`run.txt` differs) is refused.
package final class RefineStore: @unchecked Sendable {
    /// One stored evaluation: χ² (NaN where undefined), its reason, and the gradient if the oracle gave one.
    package struct Record: Sendable, Equatable {
        /// True χ² (NaN: undefined).
        package var chi2: Double
        /// Why the point is undefined (nil: defined).
        package var reason: String?
        /// Gradient in the order of the store's parameter names (nil: values only).
        package var gradient: [Double]?
    }

    /// The state directory (nil: memory only).
    package let directory: String?
    /// Parameter names of every stored point.
    package let parameterNames: [String]
    private var records: [[UInt64]: Record] = [:]
    private var batchCount = 0
    private let lock = NSLock()

    /// Opens (or creates) the store. `identity` describes the run (inputs and options): a directory holding
    /// another run's `run.txt` is refused, as is a non-directory at `directory`.
    package init(directory: String?, parameterNames: [String], identity: String) throws {
        self.directory = directory
        self.parameterNames = parameterNames
        guard let directory else { return }
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: directory, isDirectory: &isDir) {
            guard isDir.boolValue else { throw SettingError(.refineState, "\(directory) exists and is not a directory") }
        } else {
            do { try fm.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
                throw SettingError(.refineState, "cannot create \(directory): \(userMessage(error))")
            }
        }
        let runFile = (directory as NSString).appendingPathComponent("run.txt")
        if let old = try? String(contentsOfFile: runFile, encoding: .utf8) {
            guard old == identity else {
                throw SettingError(.refineState, "\(directory) holds another refine run (its run.txt differs: other emulator, scan, oracle or options)")
            }
        } else {
            let others = (try? fm.contentsOfDirectory(atPath: directory)) ?? []
            guard others.isEmpty else { throw SettingError(.refineState, "\(directory) is not empty and holds no refine run.txt") }
            try AtomicOutput.write(Data(identity.utf8), to: runFile)
        }
        let files = ((try? fm.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasPrefix("batch_") && $0.hasSuffix(".h5") }.sorted()
        for name in files {
            let path = (directory as NSString).appendingPathComponent(name)
            do { try load(path) } catch { throw SettingError(.refineState, "\(path): \(userMessage(error))") }
            batchCount += 1
        }
    }

    /// Number of stored evaluations.
    package var count: Int { lock.lock(); defer { lock.unlock() }; return records.count }

    /// The stored evaluation at exactly `point` (nil: never evaluated).
    package func record(at point: [Double]) -> Record? {
        lock.lock(); defer { lock.unlock() }
        return records[point.map(\.bitPattern)]
    }

    /// Stores an oracle's answer for `points` (rows in order), on disk first when there is a directory.
    /// The gradient is kept when it covers every stored parameter.
    package func store(_ points: [[Double]], _ result: OracleResult) throws {
        var gradientColumns: [Int]?
        if result.gradient != nil {
            gradientColumns = parameterNames.compactMap { result.gradientNames.firstIndex(of: $0) }
            if gradientColumns!.count != parameterNames.count { gradientColumns = nil }
        }
        var new: [([UInt64], Record)] = []
        for (i, x) in points.enumerated() {
            let g = gradientColumns.flatMap { cols in result.gradient(row: i).map { row in cols.map { row[$0] } } }
            new.append((x.map(\.bitPattern), Record(chi2: result.chi2[i], reason: result.undefinedReasons[i], gradient: g)))
        }
        if let directory {
            lock.lock(); let k = batchCount; batchCount += 1; lock.unlock()
            let path = (directory as NSString).appendingPathComponent(String(format: "batch_%05d.h5", k))
            try AtomicOutput.write(to: path) { tmp in
                let f = try HDF5File(create: tmp)
                try f.writePoints(points.flatMap { $0 }, parameterNames: parameterNames)
                try f.writeVector("/chi2", new.map(\.1.chi2))
                try f.writeStrings("/undefined_reason", new.map { $0.1.reason ?? "" })
                if gradientColumns != nil {
                    try f.write("/gradient", new.flatMap { $0.1.gradient! }, shape: [points.count, parameterNames.count])
                }
                try f.writeAttribute("format", "pdfemu-refine-batch")
                try f.flush()
            }
        }
        lock.lock(); for (k, r) in new { records[k] = r }; lock.unlock()
    }

    private func load(_ path: String) throws {
        let f = try HDF5File(open: path)
        let names = try f.readStrings("/parameter_names")
        guard names == parameterNames else { throw SettingError(.refineState, "parameter names differ from the run's") }
        let p = names.count
        let (shape, x) = try f.read("/parameters", as: Double.self)
        let n = shape.first ?? 0
        let chi2 = try f.read("/chi2", as: Double.self).values
        let reasons = try f.readStrings("/undefined_reason")
        let gradient = f.isDataset("/gradient") ? try f.read("/gradient", as: Double.self).values : nil
        guard shape == [n, p], chi2.count == n, reasons.count == n, gradient == nil || gradient!.count == n * p else {
            throw SettingError(.refineState, "datasets have inconsistent shapes")
        }
        for i in 0..<n {
            let point = Array(x[(i * p)..<((i + 1) * p)])
            records[point.map(\.bitPattern)] = Record(chi2: chi2[i], reason: reasons[i].isEmpty ? nil : reasons[i],
                                                     gradient: gradient.map { Array($0[(i * p)..<((i + 1) * p)]) })
        }
    }
}
