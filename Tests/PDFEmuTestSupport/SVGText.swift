import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Every `<text>` element's string in an SVG document, in document order (throws if it is not well-formed XML).
public func svgTexts(_ svg: String) throws -> [String] {
    let doc = try XMLDocument(xmlString: svg, options: [])
    var out: [String] = []
    func walk(_ e: XMLNode) {
        if let el = e as? XMLElement, el.name == "text", let s = el.stringValue { out.append(s) }
        for c in e.children ?? [] { walk(c) }
    }
    if let root = doc.rootElement() { walk(root) }
    return out
}
