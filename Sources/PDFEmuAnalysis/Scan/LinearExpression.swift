import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory
/// A linear combination of parameters parsed from text, e.g. "0.5*Buv - Bdv + 2" or "2*(Buv - Bdv)/3".
/// Grammar: numbers, parameter names, + − * /, parentheses; products and quotients must keep the
/// result linear (a number may multiply a term; nothing may be divided by a parameter).
package struct LinearExpression: Sendable, Codable, Equatable {
    /// The text as given.
    package var text: String
    /// The constant term.
    package var constant: Double
    /// Coefficient of each model parameter, in the model's order.
    package var coefficients: [Double]

    /// Parses `text` over `parameterNames`; throws one line naming unknown names or the syntax fault.
    package init(parsing text: String, parameterNames: [String]) throws {
        var p = Parser(text: text, names: parameterNames)
        let form = try p.parseAll()
        if !p.unknown.isEmpty {
            throw PDFEmuError(.expression(text), "unknown parameter name\(p.unknown.count > 1 ? "s" : "") "
                              + p.unknown.joined(separator: ", ") + " (known: " + parameterNames.joined(separator: " ") + ")")
        }
        self.text = text
        self.constant = form.constant
        self.coefficients = form.coefficients
    }

    /// The value at θ.
    package func value(at theta: [Double]) -> Double {
        var s = constant
        for i in 0..<coefficients.count { s += coefficients[i] * theta[i] }
        return s
    }
}

/// A linear form constant + Σ c_i θ_i during parsing.
private struct Form {
    var constant: Double
    var coefficients: [Double]
    var isConstant: Bool { coefficients.allSatisfy { $0 == 0 } }
    static func + (l: Form, r: Form) -> Form {
        Form(constant: l.constant + r.constant, coefficients: zip(l.coefficients, r.coefficients).map { $0 + $1 })
    }
    func scaled(_ s: Double) -> Form { Form(constant: constant * s, coefficients: coefficients.map { $0 * s }) }
}

private struct Parser {
    let text: String
    let names: [String]
    let chars: [Character]
    var pos = 0
    var unknown: [String] = []

    init(text: String, names: [String]) {
        self.text = text
        self.names = names
        self.chars = Array(text)
    }

    func fail(_ what: String) -> PDFEmuError { PDFEmuError(.expression(text), what) }

    mutating func skipSpace() { while pos < chars.count && chars[pos].isWhitespace { pos += 1 } }

    mutating func peek() -> Character? { skipSpace(); return pos < chars.count ? chars[pos] : nil }

    mutating func parseAll() throws -> Form {
        if peek() == nil { throw fail("empty") }
        let f = try parseSum()
        if let c = peek() { throw fail("unexpected '\(c)' at position \(pos + 1)") }
        return f
    }

    mutating func parseSum() throws -> Form {
        var f = try parseProduct()
        while let c = peek(), c == "+" || c == "-" {
            pos += 1
            let r = try parseProduct()
            f = f + (c == "+" ? r : r.scaled(-1))
        }
        return f
    }

    mutating func parseProduct() throws -> Form {
        var f = try parseFactor()
        while let c = peek(), c == "*" || c == "/" {
            pos += 1
            let r = try parseFactor()
            if c == "*" {
                if f.isConstant { f = r.scaled(f.constant) } else if r.isConstant { f = f.scaled(r.constant) } else {
                    throw fail("product of two parameter terms is not linear")
                }
            } else {
                guard r.isConstant else { throw fail("division by a parameter term is not linear") }
                guard r.constant != 0 else { throw fail("division by zero") }
                f = f.scaled(1 / r.constant)
            }
        }
        return f
    }

    mutating func parseFactor() throws -> Form {
        guard let c = peek() else { throw fail("ends where a number, name or '(' was expected") }
        let zero = [Double](repeating: 0, count: names.count)
        if c == "+" || c == "-" {
            pos += 1
            let f = try parseFactor()
            return c == "-" ? f.scaled(-1) : f
        }
        if c == "(" {
            pos += 1
            let f = try parseSum()
            guard peek() == ")" else { throw fail("missing ')' at position \(pos + 1)") }
            pos += 1
            return f
        }
        if c.isNumber || c == "." {
            let start = pos
            while pos < chars.count && (chars[pos].isNumber || chars[pos] == ".") { pos += 1 }
            if pos < chars.count && (chars[pos] == "e" || chars[pos] == "E") {
                var q = pos + 1
                if q < chars.count && (chars[q] == "+" || chars[q] == "-") { q += 1 }
                if q < chars.count && chars[q].isNumber {
                    pos = q
                    while pos < chars.count && chars[pos].isNumber { pos += 1 }
                }
            }
            let s = String(chars[start..<pos])
            guard let v = Double(s) else { throw fail("bad number '\(s)'") }
            return Form(constant: v, coefficients: zero)
        }
        if c.isLetter || c == "_" {
            let start = pos
            while pos < chars.count && (chars[pos].isLetter || chars[pos].isNumber || chars[pos] == "_") { pos += 1 }
            let name = String(chars[start..<pos])
            var coef = zero
            if let i = names.firstIndex(of: name) { coef[i] = 1 } else if !unknown.contains(name) { unknown.append(name) }
            return Form(constant: 0, coefficients: coef)
        }
        throw fail("unexpected '\(c)' at position \(pos + 1)")
    }
}
