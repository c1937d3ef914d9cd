import LookingGlassStore

/// The client page's timeline: a server-rendered SVG with one lane per server, time running left to
/// right, and one mark per transaction (filled when answered, hollow when not), each with a title
/// naming it and a link to it. Server names and types are text nodes and attribute values built
/// through ``HTML``, so they are escaped like everything else.
enum ClientTimeline {
    static let width = 720.0
    static let laneHeight = 28.0
    static let left = 170.0
    static let right = 20.0

    static func svg(_ transactions: [TransactionSummary]) -> HTML {
        guard let first = transactions.map(\.timestampIn).min(), let last = transactions.map(\.timestampIn).max() else {
            return .element("p", [], [.text("No transactions kept for this client.")])
        }
        let servers = Array(Set(transactions.map(\.serverName))).sorted()
        let lanes = Dictionary(uniqueKeysWithValues: servers.enumerated().map { ($1, $0) })
        let span = max(last - first, 1)
        let plot = width - left - right
        let height = Double(servers.count) * laneHeight + 30
        func x(_ time: Double) -> String { String(format1: left + (time - first) / span * plot) }
        var parts: [HTML] = []
        for (index, server) in servers.enumerated() {
            let y = Double(index) * laneHeight + laneHeight / 2
            parts.append(.element("line", [
                ("x1", String(format1: left)), ("x2", String(format1: width - right)), ("y1", String(format1: y)),
                ("y2", String(format1: y)), ("class", "lane"),
            ]))
            parts.append(.element("text", [("x", "4"), ("y", String(format1: y + 4)), ("class", "lane-label")], [
                .text(server.count > 24 ? String(server.prefix(23)) + "…" : server)
            ]))
        }
        for t in transactions {
            let y = Double(lanes[t.serverName] ?? 0) * laneHeight + laneHeight / 2
            let answered = t.responseType != nil
            let title = "\(Format.time(t.timestampIn) ?? "-") \(t.serverName): \(t.requestType ?? "-") → "
                + (t.responseType ?? "unanswered")
            let mark = HTML.element("circle", [
                ("cx", x(t.timestampIn)), ("cy", String(format1: y)), ("r", "5"),
                ("class", answered ? "mark answered" : "mark unanswered"),
            ], [.element("title", [], [.text(title)])])
            parts.append(.element("a", [("href", "/transactions/" + String(t.id, radix: 16))], [mark]))
        }
        let axisY = String(format1: height - 8)
        parts.append(.element("text", [("x", String(format1: left)), ("y", axisY), ("class", "axis")], [
            .text(Format.time(first) ?? "")
        ]))
        parts.append(.element("text", [("x", String(format1: width - right)), ("y", axisY), ("class", "axis end")], [
            .text(Format.time(last) ?? "")
        ]))
        return .element("svg", [
            ("class", "timeline"), ("width", String(format1: width)), ("height", String(format1: height)),
            ("viewBox", "0 0 \(String(format1: width)) \(String(format1: height))"), ("role", "img"),
            ("aria-label", "Transactions of this client over time, one lane per server"),
            ("xmlns", "http://www.w3.org/2000/svg"),
        ], parts)
    }
}
