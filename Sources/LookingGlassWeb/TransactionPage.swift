import DHCPKafkaWire
import DHCPv6
import JSONValue
import LookingGlassStore

/// `/transactions/ID`: the full decode of a stored frame as HTML, as `dhcpkafka decode` shows it
/// (one summary line per message, relay by relay), with every option of every relay and of the
/// client or server message below it. Everything shown is escaped by ``HTML``.
extension Pages {
    func transaction(_ idText: String) throws -> HTML? {
        guard let id = Int64(idText, radix: 16) else { throw BadRequest(message: "the transaction id is hex, as listed") }
        guard let detail = try store.transaction(id: id) else { return nil }
        let t = detail.summary
        let frame = (try? KafkaMessageRegistry.dhcpKafka.decodeFrame(detail.raw)) as? DHCPKafkaMessage
        var facts: [(String, HTML)] = [
            ("Server", .text(t.serverName)),
            ("Received", .text(Format.time(t.timestampIn) ?? "-")),
            ("Answered", .text(Format.time(t.timestampOut) ?? "not answered")),
            ("Server latency", .text(t.latencyMs.map { String(format1: $0) + " ms" } ?? "-")),
            ("Request", .text(t.requestType ?? "-")), ("Response", .text(t.responseType ?? "unanswered")),
            ("Client DUID", t.clientDUID.isEmpty ? .text("-") : Self.link("/clients/" + Format.hex(t.clientDUID), Format.hex(t.clientDUID))),
            ("MAC (vendor)", .text(api.describe(mac: detail.mac) ?? "-")),
            ("Interface-id", .text(Self.identifier(t.interfaceID))), ("Remote-id", .text(Self.identifier(t.remoteID))),
            ("Addresses", .text(t.addresses.joined(separator: " "))), ("Prefixes", .text(t.prefixes.joined(separator: " "))),
            ("Status codes", .text(detail.statusCodes.joined(separator: ", "))),
        ]
        if let frame, let duid = frame.clientDUID { facts.insert(("DUID type", .text(duid.description)), at: 7) }
        var body: [HTML] = [
            .element("dl", [("class", "facts")], facts.map { HTML([.element("dt", [], [.text($0.0)]), .element("dd", [], [$0.1])]) })
        ]
        if let frame {
            body.append(Self.messageSection("Request (message in)", frame.messageIn))
            body.append(Self.messageSection("Response (message out)", frame.messageOut))
        } else {
            body.append(.element("p", [], [.text("The stored frame does not decode any more; its bytes are below.")]))
        }
        body.append(.element("h2", [], [.text("Frame")]))
        body.append(.element("pre", [("class", "raw")], [.text(Self.wrappedHex(detail.raw))]))
        body.append(.element("p", [], [Self.link("/api/transactions/" + idText, "As JSON")]))
        return Self.layout("Transaction " + idText, body)
    }

    /// Text for a relay identifier: `"eth0"` when printable, else hex; `-` when absent.
    static func identifier(_ bytes: [UInt8]) -> String {
        guard !bytes.isEmpty else { return "-" }
        let label = Format.label(bytes)
        return label == Format.hex(bytes) ? label : "\"\(label)\" (\(Format.hex(bytes)))"
    }

    /// One message: its `decode` summary line, then each level of the relay chain (outermost first)
    /// with its options, then the client/server message with its options.
    static func messageSection(_ title: String, _ message: DHCPv6Message?) -> HTML {
        guard let message else {
            return HTML([.element("h2", [], [.text(title)]), .element("p", [], [.text("(none)")])])
        }
        var levels: [HTML] = []
        var current: DHCPv6Message? = message
        while let level = current {
            let json = level.json
            var heading = level.messageType.name
            switch level {
            case .relay(let relay):
                heading += " hops=\(relay.hopCount) link=\(relay.linkAddress) peer=\(relay.peerAddress)"
                current = relay.relayedMessage
            case .clientServer:
                heading += " txid=0x" + (json["transaction_id"]?.stringValue ?? "")
                current = nil
            case .unknown:
                current = nil
            }
            let options = (json["options"]?.arrayValue ?? []).filter { $0["name"]?.stringValue != "relay-msg" }
            var parts: [HTML] = [.element("h3", [], [.text(heading)])]
            if let data = json["data"]?.stringValue { parts.append(.element("p", [], [.text("data " + data)])) }
            parts.append(optionList(options))
            levels.append(.element("section", [("class", "level")], parts))
        }
        return HTML([
            .element("h2", [], [.text(title)]), .element("p", [("class", "summary")], [.element("code", [], [.text(message.summary)])]),
        ] + levels)
    }

    /// Options as a nested list: name and code, then each decoded field; sub-options nest.
    static func optionList(_ options: [JSONValue]) -> HTML {
        guard !options.isEmpty else { return .element("p", [], [.text("no options")]) }
        return .element("ul", [("class", "options")], options.map { option in
            let name = option["name"]?.stringValue ?? "option"
            let code = option["code"]?.intValue.map { " (\($0))" } ?? ""
            var fields: [HTML] = []
            var nested: [JSONValue] = []
            if case .object(let members) = option {
                for (key, value) in members where key != "name" && key != "code" {
                    if key == "options", let items = value.arrayValue {
                        nested = items
                        continue
                    }
                    var text = key.replacingUnderscores + " " + Self.plain(value)
                    if key == "data", let bytes = Format.parseHex(value.stringValue ?? ""), Format.label(bytes) != Format.hex(bytes) {
                        text += " (\"" + Format.label(bytes) + "\")"
                    }
                    fields.append(.element("span", [("class", "field")], [.text(text)]))
                }
            }
            var children: [HTML] = [.element("b", [], [.text(name)]), .text(code + " ")]
            children += fields
            if !nested.isEmpty { children.append(optionList(nested)) }
            return .element("li", [], children)
        })
    }

    /// A JSON value as compact text for a field (strings without quotes).
    static func plain(_ value: JSONValue) -> String {
        if let text = value.stringValue { return text }
        return value.compactText
    }

    /// Hex, 32 bytes a line.
    static func wrappedHex(_ bytes: [UInt8]) -> String {
        stride(from: 0, to: bytes.count, by: 32).map { Format.hex(Array(bytes[$0..<min($0 + 32, bytes.count)])) }
            .joined(separator: "\n")
    }
}

extension String {
    /// `valid_lifetime` → `valid lifetime`.
    var replacingUnderscores: String { String(map { $0 == "_" ? " " : $0 }) }
}
