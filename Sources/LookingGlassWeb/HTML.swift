/// HTML that is safe by construction: text is escaped when it becomes HTML, and only the builders
/// here make markup, so no client-controlled string can become an element or an attribute.
public struct HTML: Sendable, ExpressibleByArrayLiteral {
    /// The markup.
    public private(set) var markup: String

    private init(markup: String) { self.markup = markup }

    /// Escaped text: `&`, `<`, `>`, `"` and `'` become entities; control characters other than tab
    /// and newline are shown as `\u{...}`, so nothing invisible reaches the page.
    public static func text(_ text: String) -> HTML { HTML(markup: escape(text)) }

    /// Concatenation.
    public init(arrayLiteral elements: HTML...) { markup = elements.map(\.markup).joined() }

    /// Concatenation of a list.
    public init(_ parts: [HTML]) { markup = parts.map(\.markup).joined() }

    /// An element with escaped attribute values and the given children. `name` is a literal;
    /// attribute names are literals of this module by convention, never input.
    public static func element(_ name: StaticString, _ attributes: [(String, String)] = [], _ children: [HTML] = []) -> HTML {
        var out = "<\(name)"
        for (key, value) in attributes { out += " \(key)=\"\(escape(value))\"" }
        out += ">"
        out += children.map(\.markup).joined()
        out += "</\(name)>"
        return HTML(markup: out)
    }

    /// A void element (`<meta>`, `<link>`, `<br>`).
    public static func void(_ name: StaticString, _ attributes: [(String, String)] = []) -> HTML {
        var out = "<\(name)"
        for (key, value) in attributes { out += " \(key)=\"\(escape(value))\"" }
        return HTML(markup: out + ">")
    }

    /// Markup produced by this module's own code from numbers only (SVG paths).
    static func trusted(_ markup: String) -> HTML { HTML(markup: markup) }

    /// Escapes text for element content and attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                let control = (scalar.value < 0x20 && scalar != "\n" && scalar != "\t") || (0x7F...0x9F).contains(scalar.value)
                if control || (0x2028...0x2029).contains(scalar.value) {
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
