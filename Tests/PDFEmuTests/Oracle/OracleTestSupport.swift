import Foundation
import XCTest
@testable import PDFEmuIO
@testable import PDFEmuLearn
import PDFEmuTestSupport

/// The test oracle program `pdfemu-oracle-example` (built with the package) and its formulas.
enum ExampleOracle {
    /// Its path, or a failure if it has not been built.
    static func path(file: StaticString = #filePath, line: UInt = #line) throws -> String {
        guard let url = PDFEmuExecutable.product("pdfemu-oracle-example") else {
            XCTFail("pdfemu-oracle-example not found beside the test bundle (build it: swift build --build-tests)", file: file, line: line)
            throw CocoaError(.fileNoSuchFile)
        }
        return url.path
    }

    /// A command template running the example in `mode`.
    static func command(_ mode: String = "ok") throws -> String {
        ShellCommand.quote(try path()) + " --mode \(mode) {input} {output}"
    }

    /// The example's per-experiment χ² ("quad", "valley"), recomputed here from the documented formulas.
    static func parts(_ x: [Double]) -> [Double] {
        var quad = 0.0, valley = 0.0
        for j in x.indices {
            quad += pow((x[j] - 0.1 * Double(j + 1)) / 0.5, 2)
            if j + 1 < x.count { valley += 10 * pow(x[j + 1] - x[j] * x[j], 2) }
        }
        return [quad, valley]
    }

    /// n points of parameters a, b, c: x_0 runs from `first` in steps of `step`.
    static func points(_ n: Int, first: Double = -1, step: Double = 0.25) throws -> OraclePoints {
        var values: [Double] = []
        for i in 0..<n {
            let t = Double(i)
            values += [first + step * t, 0.3 - 0.05 * t, 0.1 * Double(i % 3)]
        }
        return try OraclePoints(parameterNames: ["a", "b", "c"], values: values)
    }
}
