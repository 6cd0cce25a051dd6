import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuNetwork
import PDFEmuTheory
import PDFEmuAnalysis
import PDFEmuLearn

/// How a data series is drawn.
package enum PlotSeriesKind: Sendable, Equatable {
    /// A polyline through the points.
    case line
    /// Markers only.
    case markers
    /// A polyline with a marker at each point.
    case lineAndMarkers
    /// A closed outline through the points, filled with `fillOpacity` of the colour.
    case area(fillOpacity: Double)
}

/// One data series of a `PlotFigure`, in data coordinates.
package struct PlotSeries: Sendable, Equatable {
    /// Legend label (nil: not in the legend).
    package var label: String?
    /// The points.
    package var points: [PlotPoint]
    /// Drawing kind.
    package var kind: PlotSeriesKind
    /// CSS colour.
    package var colour: String
    /// Dash pattern of the line (empty: solid).
    package var dash: [Double]
    /// Marker shape (for kinds with markers).
    package var marker: SVGMarker
    /// Whether markers are filled (false: outline only).
    package var filledMarker: Bool
    /// Line width in pixels.
    package var lineWidth: Double
    /// Marker size in pixels.
    package var markerSize: Double

    /// Creates a series.
    package init(label: String?, points: [PlotPoint], kind: PlotSeriesKind = .line, colour: String = "#1f77b4",
                dash: [Double] = [], marker: SVGMarker = .circle, filledMarker: Bool = true, lineWidth: Double = 1.8,
                markerSize: Double = 7) {
        self.label = label
        self.points = points
        self.kind = kind
        self.colour = colour
        self.dash = dash
        self.marker = marker
        self.filledMarker = filledMarker
        self.lineWidth = lineWidth
        self.markerSize = markerSize
    }
}

/// A horizontal or vertical reference line across the plot area, with an optional text label at its end.
package struct PlotReferenceLine: Sendable, Equatable {
    /// True: y = value (horizontal); false: x = value (vertical).
    package var horizontal: Bool
    /// The constant coordinate.
    package var value: Double
    /// Text written at the right end (horizontal) or the top (vertical); nil for none.
    package var label: String?
    /// CSS colour.
    package var colour: String
    /// Dash pattern (empty: solid).
    package var dash: [Double]

    /// Creates a reference line.
    package init(horizontal: Bool, value: Double, label: String? = nil, colour: String = "#555555", dash: [Double] = [6, 4]) {
        self.horizontal = horizontal
        self.value = value
        self.label = label
        self.colour = colour
        self.dash = dash
    }
}

/// Where a figure's legend is drawn.
package enum PlotLegendPosition: Sendable, Hashable {
    /// The corner (or top centre) covering the fewest drawn points.
    case auto
    /// Inside the plot area, top right.
    case topRight
    /// Inside the plot area, top left.
    case topLeft
    /// Inside the plot area, top centre.
    case topCentre
    /// Inside the plot area, bottom right.
    case bottomRight
    /// Inside the plot area, bottom left.
    case bottomLeft
}

/// How data x maps to the width of the plot area.
package enum PlotXScale: Sendable, Equatable {
    /// Linear over the x range.
    case linear
    /// Logarithmic from the range's lower end up to `split` (the left `logFraction` of the width), linear
    /// from `split` to the upper end: how PDFs are read (small-x and large-x behaviour in one plot).
    case logLinear(split: Double, logFraction: Double)
}

/// The pixel geometry of a figure: the plot area and the data→pixel mapping.
package struct PlotLayout: Sendable, Equatable {
    /// Left edge of the plot area (px).
    package var left: Double
    /// Top edge of the plot area (px).
    package var top: Double
    /// Width of the plot area (px).
    package var width: Double
    /// Height of the plot area (px).
    package var height: Double
    /// Data range shown on x.
    package var xRange: ClosedRange<Double>
    /// Data range shown on y.
    package var yRange: ClosedRange<Double>
    /// The x mapping (linear unless set).
    package var xScale: PlotXScale = .linear

    /// Pixel x of data x (non-finite for x ≤ 0 on a log part).
    package func px(_ x: Double) -> Double {
        let lo = xRange.lowerBound, hi = xRange.upperBound
        switch xScale {
        case .linear:
            return left + (x - lo) / (hi - lo) * width
        case let .logLinear(split, f):
            if x < split { return left + f * width * (log10(x) - log10(lo)) / (log10(split) - log10(lo)) }
            return left + f * width + (1 - f) * width * (x - split) / (hi - split)
        }
    }
    /// Pixel y of data y (y grows upwards in data, downwards in pixels).
    package func py(_ y: Double) -> Double {
        top + height - (y - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound) * height
    }
    /// Pixel position of a data point.
    package func pixel(_ p: PlotPoint) -> PlotPoint { PlotPoint(px(p.x), py(p.y)) }
}

/// A 2-D line/scatter figure with axes, nice ticks, axis titles, a legend and reference lines, rendered to SVG.
package struct PlotFigure: Sendable {
    /// Title above the plot.
    package var title: String
    /// x-axis title.
    package var xLabel: String
    /// y-axis title.
    package var yLabel: String
    /// Width in pixels.
    package var width: Double = 760
    /// Height in pixels.
    package var height: Double = 520
    /// Shown x range (nil: all series, padded).
    package var xRange: ClosedRange<Double>?
    /// Shown y range (nil: all series, padded).
    package var yRange: ClosedRange<Double>?
    /// Data series, drawn in order.
    package var series: [PlotSeries] = []
    /// Reference lines, drawn under the series.
    package var referenceLines: [PlotReferenceLine] = []
    /// Where the legend goes (`.auto`: the corner covering the fewest drawn points).
    package var legendPosition: PlotLegendPosition = .auto
    /// Extra lines of small text under the plot (e.g. units or notes).
    package var notes: [String] = []
    /// The x mapping (`.logLinear` needs a positive lower x bound below the split).
    package var xScale: PlotXScale = .linear
    /// Category names drawn as the x tick labels at x = 0, 1, … (nil: numeric ticks), slanted when long.
    package var xCategories: [String]?
    /// Id of the plot area's clip path (distinct ids let several figures share one SVG document).
    package var clipID = "plotarea"

    /// Creates an empty figure.
    package init(title: String, xLabel: String, yLabel: String) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    /// The pixel geometry (ranges resolved from the data when not set).
    package func layout() -> PlotLayout {
        let all = series.flatMap(\.points)
        let xr = xRange ?? PlotAxis.range(of: all.map(\.x) + referenceLines.filter { !$0.horizontal }.map(\.value))
        let yr = yRange ?? PlotAxis.range(of: all.map(\.y) + referenceLines.filter(\.horizontal).map(\.value))
        let left = 78.0, right = 24.0, top = 44.0
        let bottom = 58.0 + 15 * Double(notes.count) + categoryLabelDrop
        return PlotLayout(left: left, top: top, width: width - left - right, height: height - top - bottom,
                          xRange: xr, yRange: yr, xScale: xScale)
    }

    /// Whether category labels are slanted (any longer than 8 characters).
    var slantedCategories: Bool { (xCategories ?? []).contains { $0.count > 8 } }

    /// Extra bottom margin for slanted category labels (px).
    var categoryLabelDrop: Double {
        slantedCategories ? 0.5 * 7 * Double(xCategories!.map(\.count).max() ?? 0) : 0
    }

    /// The x ticks: (value, label, major); minor ticks carry no label.
    func xTicks(_ l: PlotLayout) -> [(value: Double, label: String, major: Bool)] {
        if let cats = xCategories { return cats.enumerated().map { (Double($0.offset), $0.element, true) } }
        switch xScale {
        case .linear:
            let t = PlotAxis.niceTicks(l.xRange.lowerBound, l.xRange.upperBound, target: 7)
            return t.values.map { ($0, PlotAxis.label($0, step: t.step), true) }
        case let .logLinear(split, _):
            return PlotAxis.logLinearTicks(l.xRange.lowerBound, split, l.xRange.upperBound)
        }
    }


    /// The SVG document.
    package func document() -> SVGDocument {
        let l = layout()
        var d = SVGDocument(width: width, height: height)
        let clip = clipID
        d.defineClip(id: clip, x: l.left, y: l.top, width: l.width, height: l.height)
        d.text(title, x: l.left + l.width / 2, y: 26, size: 17, anchor: .middle, bold: true)

        // Grid, ticks and tick labels.
        let yt = PlotAxis.niceTicks(l.yRange.lowerBound, l.yRange.upperBound, target: 7)
        let grid = SVGStyle(stroke: "#e4e4e4", strokeWidth: 1)
        let axis = SVGStyle(stroke: "black", strokeWidth: 1.2)
        let slant = slantedCategories
        for t in xTicks(l) {
            let X = l.px(t.value)
            guard X.isFinite, X >= l.left - 0.5, X <= l.left + l.width + 0.5 else { continue }
            if t.major { d.line(X, l.top, X, l.top + l.height, style: grid) }
            d.line(X, l.top + l.height, X, l.top + l.height + (t.major ? 5 : 3), style: axis)
            if t.label.isEmpty { continue }
            if slant {
                d.text(t.label, x: X, y: l.top + l.height + 16, size: 11, anchor: .end, rotate: -30)
            } else {
                d.text(t.label, x: X, y: l.top + l.height + 19, size: 12, anchor: .middle)
            }
        }
        for y in yt.values {
            let Y = l.py(y)
            d.line(l.left, Y, l.left + l.width, Y, style: grid)
            d.line(l.left - 5, Y, l.left, Y, style: axis)
            d.text(PlotAxis.label(y, step: yt.step), x: l.left - 8, y: Y + 4, size: 12, anchor: .end)
        }
        d.rect(x: l.left, y: l.top, width: l.width, height: l.height, style: axis)
        d.text(xLabel, x: l.left + l.width / 2, y: l.top + l.height + 42 + categoryLabelDrop, size: 14, anchor: .middle)
        d.text(yLabel, x: 20, y: l.top + l.height / 2, size: 14, anchor: .middle, rotate: -90)
        for (i, note) in notes.enumerated() {
            d.text(note, x: l.left, y: l.top + l.height + 60 + categoryLabelDrop + 15 * Double(i), size: 11, colour: "#444444")
        }

        // Reference lines with labels.
        for r in referenceLines {
            let style = SVGStyle(stroke: r.colour, strokeWidth: 1.3, dash: r.dash)
            if r.horizontal {
                guard l.yRange.contains(r.value) else { continue }
                let Y = l.py(r.value)
                d.line(l.left, Y, l.left + l.width, Y, style: style)
                if let label = r.label { d.text(label, x: l.left + l.width - 6, y: Y - 5, size: 12, anchor: .end, colour: r.colour) }
            } else {
                guard l.xRange.contains(r.value) else { continue }
                let X = l.px(r.value)
                d.line(X, l.top, X, l.top + l.height, style: style)
                if let label = r.label { d.text(label, x: X + 4, y: l.top + 14, size: 12, colour: r.colour) }
            }
        }

        // Series.
        for s in series {
            let pix = s.points.map(l.pixel)
            let lineStyle = SVGStyle(stroke: s.colour, strokeWidth: s.lineWidth, dash: s.dash)
            switch s.kind {
            case .line, .lineAndMarkers:
                d.polyline(pix, style: lineStyle, clip: clip)
            case let .area(op):
                d.polygon(pix, style: SVGStyle(stroke: s.colour, fill: s.colour, strokeWidth: s.lineWidth, dash: s.dash,
                                               fillOpacity: op), clip: clip)
            case .markers:
                break
            }
            if s.kind == .markers || s.kind == .lineAndMarkers {
                let ms = SVGStyle(stroke: s.colour, fill: s.filledMarker ? s.colour : "white", strokeWidth: 1.5)
                for p in pix where p.x >= l.left - 1 && p.x <= l.left + l.width + 1 && p.y >= l.top - 1 && p.y <= l.top + l.height + 1 {
                    d.marker(s.marker, x: p.x, y: p.y, size: s.markerSize, style: ms)
                }
            }
        }

        // Legend.
        let entries = series.filter { $0.label != nil }
        if !entries.isEmpty {
            let rowH = 19.0
            let textW = Double(entries.map { $0.label!.count }.max() ?? 0) * 7.0
            let boxW = 44 + textW, boxH = rowH * Double(entries.count) + 8
            let (bx, by) = legendOrigin(layout: l, boxWidth: boxW, boxHeight: boxH)
            d.rect(x: bx, y: by, width: boxW, height: boxH,
                   style: SVGStyle(stroke: "#999999", fill: "white", strokeWidth: 1, fillOpacity: 0.9))
            for (i, s) in entries.enumerated() {
                let y = by + 4 + rowH * (Double(i) + 0.5)
                let st = SVGStyle(stroke: s.colour, strokeWidth: s.lineWidth, dash: s.dash)
                switch s.kind {
                case .line, .lineAndMarkers: d.line(bx + 8, y, bx + 34, y, style: st)
                case let .area(op):
                    d.rect(x: bx + 10, y: y - 6, width: 22, height: 12,
                           style: SVGStyle(stroke: s.colour, fill: s.colour, strokeWidth: 1, dash: s.dash, fillOpacity: op))
                case .markers: break
                }
                if s.kind == .markers || s.kind == .lineAndMarkers {
                    d.marker(s.marker, x: bx + 21, y: y, size: s.markerSize,
                             style: SVGStyle(stroke: s.colour, fill: s.filledMarker ? s.colour : "white", strokeWidth: 1.5))
                }
                d.text(s.label!, x: bx + 40, y: y + 4, size: 12)
            }
        }
        return d
    }

    /// Top-left pixel corner of the legend box: the fixed position, or for `.auto` the candidate corner
    /// whose box covers the fewest drawn pixels (series sampled every ~3 px; reference lines count too).
    func legendOrigin(layout l: PlotLayout, boxWidth w: Double, boxHeight h: Double) -> (Double, Double) {
        let m = 10.0
        let corners: [PlotLegendPosition: (Double, Double)] = [
            .topRight: (l.left + l.width - w - m, l.top + m), .topLeft: (l.left + m, l.top + m),
            .bottomRight: (l.left + l.width - w - m, l.top + l.height - h - m), .bottomLeft: (l.left + m, l.top + l.height - h - m),
            .topCentre: (l.left + (l.width - w) / 2, l.top + m),
        ]
        if legendPosition != .auto { return corners[legendPosition]! }
        var samples: [PlotPoint] = []
        for s in series {
            let pix = s.points.map(l.pixel).filter { $0.x.isFinite && $0.y.isFinite }
            samples += pix
            if s.kind != .markers {
                for (a, b) in zip(pix, pix.dropFirst()) {
                    let len = ((b.x - a.x) * (b.x - a.x) + (b.y - a.y) * (b.y - a.y)).squareRoot()
                    let k = min(Int(len / 3), 400)
                    if k > 1 { for i in 1..<k { let t = Double(i) / Double(k); samples.append(PlotPoint(a.x + t * (b.x - a.x), a.y + t * (b.y - a.y))) } }
                }
            }
        }
        for r in referenceLines {
            for i in 0...100 {
                let t = Double(i) / 100
                samples.append(r.horizontal ? PlotPoint(l.left + t * l.width, l.py(r.value)) : PlotPoint(l.px(r.value), l.top + t * l.height))
            }
        }
        var best = corners[.topRight]!, bestScore = Int.max
        for pos in [PlotLegendPosition.topRight, .topLeft, .topCentre, .bottomRight, .bottomLeft] {
            let (x, y) = corners[pos]!
            let score = samples.filter { $0.x >= x - 4 && $0.x <= x + w + 4 && $0.y >= y - 4 && $0.y <= y + h + 4 }.count
            if score < bestScore { best = (x, y); bestScore = score }
        }
        return best
    }

    /// The SVG text.
    package func svg() -> String { document().render() }

    /// Writes the SVG to `path` atomically.
    package func write(to path: String) throws { try document().write(to: path) }
}

/// Figures stacked vertically in one SVG document (e.g. a main plot over a ratio panel), sharing its width.
package enum PlotPanels {
    /// The figures top to bottom, each panel after the first moved up by `overlap` pixels (the top margin a
    /// panel without a title does not need). Each figure needs its own `clipID`.
    package static func stack(_ figures: [PlotFigure], overlap: Double = 30) -> SVGDocument {
        let height = figures.map(\.height).reduce(0, +) - overlap * Double(max(figures.count - 1, 0))
        var d = SVGDocument(width: figures.map(\.width).max() ?? 0, height: height)
        var y = 0.0
        for f in figures {
            d.append(f.document(), dy: y)
            y += f.height - overlap
        }
        return d
    }
}

/// Colours of successive data series that have no meaning of their own (e.g. one per experiment).
package let plotSeriesColours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                                 "#bcbd22", "#17becf"]
