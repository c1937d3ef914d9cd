import JSONValue
import LookingGlassStore

/// The server-rendered pages. Every value from the store goes through ``HTML/text(_:)``.
struct Pages: Sendable {
    let store: any LookingGlassStore
    let api: API
    let clock: @Sendable () -> Double
    /// Consumer lag per partition, from the collector.
    let lag: @Sendable () -> [Int32: Int64]

    static func layout(_ title: String, _ body: [HTML]) -> HTML {
        [
            .trusted("<!DOCTYPE html>"),
            .element("html", [("lang", "en")], [
                .element("head", [], [
                    .void("meta", [("charset", "utf-8")]),
                    .element("title", [], [.text(title + " · DHCPKafka looking glass")]),
                    .void("link", [("rel", "stylesheet"), ("href", "/static/style.css")]),
                ]),
                .element("body", [], [
                    .element("nav", [], [
                        link("/", "Overview"), link("/search", "Search"), link("/leases", "Who had it?"),
                        link("/clients?filter=shared-location", "Locations"), link("/live", "Live tail"),
                    ]),
                    .element("h1", [], [.text(title)]),
                ] + body),
            ]),
        ]
    }

    static func link(_ href: String, _ text: String) -> HTML { .element("a", [("href", href)], [.text(text)]) }

    static func table(_ headers: [String], _ rows: [[HTML]]) -> HTML {
        let headerCells: [HTML] = headers.map { (name: String) -> HTML in HTML.element("th", [], [HTML.text(name)]) }
        let bodyRows: [HTML] = rows.map { (cells: [HTML]) -> HTML in
            HTML.element("tr", [], cells.map { (cell: HTML) -> HTML in HTML.element("td", [], [cell]) })
        }
        return HTML.element("table", [], [
            HTML.element("thead", [], [HTML.element("tr", [], headerCells)]), HTML.element("tbody", [], bodyRows),
        ])
    }

    func overview() throws -> HTML {
        let servers = try store.servers(now: clock())
        let rows: [[HTML]] = servers.map { (s: ServerSummary) -> [HTML] in
            let share: Double = s.transactions == 0 ? 0 : Double(s.unanswered) * 100 / Double(s.transactions)
            let p50: String = s.latencyP50Ms.map { String(format1: $0) } ?? "-"
            let p99: String = s.latencyP99Ms.map { String(format1: $0) } ?? "-"
            let mix: String = s.typeMix.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
            let serverLink: HTML = Self.link("/search?server=" + Self.percentEncode(s.name), s.name)
            let cells: [HTML] = [
                serverLink, HTML.text(Format.time(s.lastSeen) ?? "-"), Sparkline.svg(s.perMinute),
                HTML.text(String(s.transactions)), HTML.text(String(format1: share) + " %"), HTML.text(p50), HTML.text(p99),
                HTML.text(mix), HTML.text(String(s.lostFrames)),
            ]
            return cells
        }
        let lag = lag().sorted { $0.key < $1.key }.map { "partition \($0.key): \($0.value)" }.joined(separator: ", ")
        return Self.layout("Servers", [
            Self.table(
                ["Server", "Last seen", "Transactions/min, last hour", "Stored", "Unanswered", "p50 ms", "p99 ms",
                 "Type mix", "Lost frames"], rows),
            .element("p", [], [.text("Consumer lag: " + (lag.isEmpty ? "no partition assigned yet" : lag))]),
        ])
    }

    func search(_ parameters: [String: String]) throws -> HTML {
        let fields = ["duid", "mac", "interface_id", "remote_id", "subscriber_id", "address", "server", "since", "until"]
        var inputs: [HTML] = fields.map { (name: String) -> HTML in
            let input = HTML.void("input", [("name", name), ("value", parameters[name] ?? "")])
            return HTML.element("label", [], [HTML.text(name + " "), input])
        }
        var checkbox: [(String, String)] = [("type", "checkbox"), ("name", "unanswered"), ("value", "1")]
        if parameters["unanswered"] == "1" { checkbox.append(("checked", "checked")) }
        inputs.append(HTML.element("label", [], [HTML.text("unanswered only "), HTML.void("input", checkbox)]))
        inputs.append(HTML.element("button", [("type", "submit")], [HTML.text("Search")]))
        let form = HTML.element("form", [("method", "get"), ("action", "/search")], inputs)
        let page = try store.transactions(try API.query(parameters))
        var body: [HTML] = [form, transactionTable(page.transactions)]
        if let next = page.next {
            var query = parameters
            query["next"] = String(next, radix: 16)
            body.append(Self.link("/search?" + query.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.percentEncode($0.value))" }
                .joined(separator: "&"), "Older"))
        }
        return Self.layout("Search", body)
    }

    func transactionTable(_ transactions: [TransactionSummary]) -> HTML {
        Self.table(
            ["Received", "Server", "Request", "Response", "Client DUID", "Interface-id", "Remote-id", "Leases"],
            transactions.map { t in
                [
                    Self.link("/transactions/" + String(t.id, radix: 16), Format.time(t.timestampIn) ?? "-"),
                    .text(t.serverName), .text(t.requestType ?? "-"), .text(t.responseType ?? "unanswered"),
                    Self.link("/clients/" + Format.hex(t.clientDUID), Format.hex(t.clientDUID)),
                    .text(Format.label(t.interfaceID)), .text(Format.label(t.remoteID)),
                    .text((t.addresses + t.prefixes).joined(separator: " ")),
                ]
            })
    }

    func leases(_ parameters: [String: String]) throws -> HTML {
        let form = HTML.element("form", [("method", "get"), ("action", "/leases")], [
            .element("label", [], [.text("address "), .void("input", [("name", "address"), ("value", parameters["address"] ?? "")])]),
            .element("label", [], [.text("or prefix "), .void("input", [("name", "prefix"), ("value", parameters["prefix"] ?? "")])]),
            .element("label", [], [.text("at "), .void("input", [("name", "at"), ("value", parameters["at"] ?? "")])]),
            .element("button", [("type", "submit")], [.text("Ask")]),
        ])
        guard (parameters["address"] ?? parameters["prefix"]).map({ !$0.isEmpty }) == true else {
            return Self.layout("Who had this address or prefix?", [form])
        }
        let answer = try api.leases(parameters)
        let rows: [[HTML]] = (answer["leases"]?.arrayValue ?? []).map { lease in
            let duid = lease["client_duid"]?.stringValue ?? ""
            return [
                Self.link("/clients/" + duid, duid),
                .text(Format.label(Format.parseHex(lease["interface_id"]?.stringValue ?? "") ?? [])),
                .text(Format.label(Format.parseHex(lease["remote_id"]?.stringValue ?? "") ?? [])),
                .text(lease["server_name"]?.stringValue ?? ""),
                .text(lease["address"]?.stringValue ?? lease["prefix"]?.stringValue ?? ""),
                .text(lease["from"]?.stringValue ?? "-"), .text(lease["until"]?.stringValue ?? "-"),
            ]
        }
        return Self.layout("Who had this address or prefix?", [
            form, rows.isEmpty ? .element("p", [], [.text("Nobody, at that time, in the kept history.")])
                : Self.table(["Client DUID", "Interface-id", "Remote-id", "Server", "Lease", "From", "Until"], rows),
        ])
    }

    func live() -> HTML {
        Self.layout("Live tail", [
            .element("p", [("id", "status")], [.text("Connecting…")]),
            Self.table(["Received", "Server", "Request", "Response", "Client DUID"], []),
            .element("script", [("src", "/static/live.js")]),
        ])
    }

    /// Percent-encodes everything but unreserved characters, for query values in links.
    static func percentEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            if (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || [0x2D, 0x2E, 0x5F, 0x7E].contains(byte)
            {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xF, radix: 16, uppercase: true)
            }
        }
        return out
    }
}

extension String {
    /// One decimal.
    init(format1 value: Double) {
        guard value.isFinite, abs(value) < 1e15 else {
            self = String(value)
            return
        }
        let tenths = Int64((value * 10).rounded())
        self = (tenths < 0 ? "-" : "") + String(abs(tenths) / 10) + "." + String(abs(tenths) % 10)
    }
}

/// Server-rendered SVG sparklines.
enum Sparkline {
    /// A polyline of `values` in a 120×24 box; numbers only, so it is built as trusted markup.
    static func svg(_ values: [Int]) -> HTML {
        let width = 120.0
        let height = 24.0
        let top = Double(max(values.max() ?? 0, 1))
        let step = values.count > 1 ? width / Double(values.count - 1) : width
        let points = values.enumerated().map { index, value in
            "\(String(format1: Double(index) * step)),\(String(format1: height - Double(value) / top * (height - 2) - 1))"
        }.joined(separator: " ")
        return .trusted(
            "<svg class=\"spark\" width=\"120\" height=\"24\" viewBox=\"0 0 120 24\" role=\"img\">"
                + "<polyline fill=\"none\" stroke=\"currentColor\" points=\"\(points)\"/></svg>")
    }
}
