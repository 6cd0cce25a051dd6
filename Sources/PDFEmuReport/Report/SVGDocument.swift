import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuNetwork
import PDFEmuTheory
import PDFEmuAnalysis
import PDFEmuLearn

/// Stroke and fill of an SVG shape.
package struct SVGStyle: Sendable, Equatable {
    /// Stroke colour (CSS colour, "none" for no stroke).
    package var stroke: String
    /// Fill colour (CSS colour, "none" for no fill).
    package var fill: String
    /// Stroke width in pixels.
    package var strokeWidth: Double
    /// Dash pattern in pixels (empty: solid).
    package var dash: [Double]
    /// Opacity of the fill, 0…1.
    package var fillOpacity: Double

    /// Creates a style; the default is a 1.5 px black solid line, no fill.
    package init(stroke: String = "black", fill: String = "none", strokeWidth: Double = 1.5, dash: [Double] = [],
                fillOpacity: Double = 1) {
        self.stroke = stroke
        self.fill = fill
        self.strokeWidth = strokeWidth
        self.dash = dash
        self.fillOpacity = fillOpacity
    }

    var attributes: String {
        var s = "stroke=\"\(SVGDocument.escape(stroke))\" fill=\"\(SVGDocument.escape(fill))\" stroke-width=\"\(SVGDocument.n(strokeWidth))\""
        if !dash.isEmpty { s += " stroke-dasharray=\"\(dash.map(SVGDocument.n).joined(separator: " "))\"" }
        if fillOpacity < 1 { s += " fill-opacity=\"\(SVGDocument.n(fillOpacity))\"" }
        return s
    }
}

/// Shapes of point markers.
package enum SVGMarker: String, Sendable, Codable, CaseIterable {
    case circle, square, triangle, diamond, cross
}

/// Horizontal anchoring of text.
package enum SVGTextAnchor: String, Sendable {
    case start, middle, end
}

/// A minimal dependency-free SVG 1.1 writer: shapes and text in pixel coordinates (origin top-left).
package struct SVGDocument: Sendable {
    /// Width in pixels.
    package var width: Double
    /// Height in pixels.
    package var height: Double
    private var elements: [String] = []
    private var defs: [String] = []

    /// Creates an empty document with a white background.
    package init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// Adds a straight line.
    package mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, style: SVGStyle = SVGStyle(),
                              clip: String? = nil) {
        elements.append("<line x1=\"\(Self.n(x1))\" y1=\"\(Self.n(y1))\" x2=\"\(Self.n(x2))\" y2=\"\(Self.n(y2))\" \(style.attributes)\(clipAttr(clip))/>")
    }

    /// Adds an open polyline through `points` (non-finite points split it into pieces).
    package mutating func polyline(_ points: [PlotPoint], style: SVGStyle = SVGStyle(), clip: String? = nil) {
        var piece: [PlotPoint] = []
        func flush() {
            if piece.count >= 2 {
                elements.append("<polyline points=\"\(Self.pointList(piece))\" \(style.attributes) stroke-linejoin=\"round\"\(clipAttr(clip))/>")
            }
            piece.removeAll()
        }
        for p in points { if p.x.isFinite && p.y.isFinite { piece.append(p) } else { flush() } }
        flush()
    }

    /// Adds a closed polygon.
    package mutating func polygon(_ points: [PlotPoint], style: SVGStyle = SVGStyle(), clip: String? = nil) {
        let pts = points.filter { $0.x.isFinite && $0.y.isFinite }
        guard pts.count >= 3 else { return }
        elements.append("<polygon points=\"\(Self.pointList(pts))\" \(style.attributes) stroke-linejoin=\"round\"\(clipAttr(clip))/>")
    }

    /// Adds a rectangle.
    package mutating func rect(x: Double, y: Double, width w: Double, height h: Double, style: SVGStyle = SVGStyle(),
                              clip: String? = nil) {
        elements.append("<rect x=\"\(Self.n(x))\" y=\"\(Self.n(y))\" width=\"\(Self.n(w))\" height=\"\(Self.n(h))\" \(style.attributes)\(clipAttr(clip))/>")
    }

    /// Adds a marker of `size` pixels (about its width) centred at (x, y).
    package mutating func marker(_ kind: SVGMarker, x: Double, y: Double, size: Double = 7, style: SVGStyle,
                                clip: String? = nil) {
        guard x.isFinite, y.isFinite else { return }
        let r = size / 2
        switch kind {
        case .circle:
            elements.append("<circle cx=\"\(Self.n(x))\" cy=\"\(Self.n(y))\" r=\"\(Self.n(r))\" \(style.attributes)\(clipAttr(clip))/>")
        case .square:
            rect(x: x - r, y: y - r, width: size, height: size, style: style, clip: clip)
        case .triangle:
            polygon([PlotPoint(x, y - 1.2 * r), PlotPoint(x + 1.1 * r, y + 0.8 * r), PlotPoint(x - 1.1 * r, y + 0.8 * r)],
                    style: style, clip: clip)
        case .diamond:
            polygon([PlotPoint(x, y - 1.3 * r), PlotPoint(x + r, y), PlotPoint(x, y + 1.3 * r), PlotPoint(x - r, y)],
                    style: style, clip: clip)
        case .cross:
            var s = style
            s.fill = "none"
            line(x - r, y - r, x + r, y + r, style: s, clip: clip)
            line(x - r, y + r, x + r, y - r, style: s, clip: clip)
        }
    }

    /// Adds text; `rotate` in degrees (−90: reading upwards).
    package mutating func text(_ s: String, x: Double, y: Double, size: Double = 12, anchor: SVGTextAnchor = .start,
                              colour: String = "black", bold: Bool = false, rotate: Double = 0) {
        var attrs = "x=\"\(Self.n(x))\" y=\"\(Self.n(y))\" font-size=\"\(Self.n(size))\" text-anchor=\"\(anchor.rawValue)\" fill=\"\(Self.escape(colour))\""
        if bold { attrs += " font-weight=\"bold\"" }
        if rotate != 0 { attrs += " transform=\"rotate(\(Self.n(rotate)) \(Self.n(x)) \(Self.n(y)))\"" }
        elements.append("<text \(attrs)>\(Self.escape(s))</text>")
    }

    /// Defines a rectangular clip region named `id` for the `clip:` argument of shapes.
    package mutating func defineClip(id: String, x: Double, y: Double, width w: Double, height h: Double) {
        defs.append("<clipPath id=\"\(Self.escape(id))\"><rect x=\"\(Self.n(x))\" y=\"\(Self.n(y))\" width=\"\(Self.n(w))\" height=\"\(Self.n(h))\"/></clipPath>")
    }

    /// Adds every shape and definition of `other`, shifted by (dx, dy): several figures in one document
    /// (their clip ids must differ).
    package mutating func append(_ other: SVGDocument, dx: Double = 0, dy: Double = 0) {
        defs += other.defs.map { "<g transform=\"translate(\(Self.n(dx)),\(Self.n(dy)))\">" + $0 + "</g>" }
        elements.append("<g transform=\"translate(\(Self.n(dx)),\(Self.n(dy)))\">")
        elements += other.elements
        elements.append("</g>")
    }

    /// The complete SVG text.
    package func render() -> String {
        var s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        s += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"\(Self.n(width))\" height=\"\(Self.n(height))\" viewBox=\"0 0 \(Self.n(width)) \(Self.n(height))\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
        if !defs.isEmpty { s += "<defs>\n" + defs.joined(separator: "\n") + "\n</defs>\n" }
        s += "<rect x=\"0\" y=\"0\" width=\"\(Self.n(width))\" height=\"\(Self.n(height))\" fill=\"white\"/>\n"
        s += elements.joined(separator: "\n")
        s += "\n</svg>\n"
        return s
    }

    /// Writes the SVG to `path` atomically.
    package func write(to path: String) throws {
        try AtomicOutput.write(Data(render().utf8), to: path)
    }

    // MARK: - Helpers

    /// Escapes `&`, `<`, `>`, `"` and `'` for XML text and attributes.
    package static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(c)
            }
        }
        return out
    }

    /// A coordinate with two decimals, no trailing zeros.
    static func n(_ x: Double) -> String {
        guard x.isFinite else { return "0" }
        var s = String(format: "%.2f", x)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s == "-0" ? "0" : s
    }

    private static func pointList(_ pts: [PlotPoint]) -> String {
        pts.map { "\(n($0.x)),\(n($0.y))" }.joined(separator: " ")
    }

    private func clipAttr(_ clip: String?) -> String {
        clip.map { " clip-path=\"url(#\(Self.escape($0)))\"" } ?? ""
    }
}

/// A point (x, y), in data or pixel coordinates depending on context.
package struct PlotPoint: Sendable, Codable, Equatable {
    /// Horizontal coordinate.
    package var x: Double
    /// Vertical coordinate.
    package var y: Double
    /// Creates a point.
    package init(_ x: Double, _ y: Double) { self.x = x; self.y = y }
}
