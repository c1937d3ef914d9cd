import LookingGlassStore

extension Pages {
    /// `/clients?filter=shared-location|roaming`: the original's location filters, without DHCPKit's
    /// wrapper (a direct client has no location, so it never shares one).
    func clients(_ parameters: [String: String]) throws -> HTML {
        let filter: ClientFilter
        let title: String
        switch parameters["filter"] ?? "" {
        case "roaming":
            (filter, title) = (.roaming, "One DUID at several locations")
        case "shared-location":
            (filter, title) = (.sharedLocation, "Several DUIDs at one location")
        default:
            throw BadRequest(message: "filter must be shared-location or roaming")
        }
        let nav: HTML = HTML.element("p", [], [
            Self.link("/clients?filter=shared-location", "Several DUIDs at one location"), HTML.text(" · "),
            Self.link("/clients?filter=roaming", "One DUID at several locations"),
        ])
        return Self.layout(title, [nav, clientTable(try store.clients(filter))])
    }

    /// `/clients/DUID`: a client's locations and its transactions across every server, newest first.
    func client(_ duidText: String, _ parameters: [String: String]) throws -> HTML {
        guard let duid = Format.parseHex(duidText), !duid.isEmpty else {
            throw BadRequest(message: "the client is named by its DUID in hex")
        }
        var query = try API.query(parameters)
        query.duid = duid
        let page = try store.transactions(query)
        return Self.layout("Client " + Format.hex(duid), [
            HTML.element("h2", [], [HTML.text("Locations")]), clientTable(try store.clients(.duid(duid))),
            HTML.element("h2", [], [HTML.text("Timeline, every server")]), ClientTimeline.svg(page.transactions),
            transactionTable(page.transactions),
        ])
    }

    func clientTable(_ clients: [ClientRecord]) -> HTML {
        Self.table(
            ["Client DUID", "MAC (vendor)", "Interface-id", "Remote-id", "Subscriber-id", "Transactions kept", "Last seen"],
            clients.map { (c: ClientRecord) -> [HTML] in
                [
                    Self.link("/clients/" + Format.hex(c.duid), Format.hex(c.duid)), HTML.text(api.describe(mac: c.mac) ?? "-"),
                    HTML.text(Format.label(c.interfaceID)), HTML.text(Format.label(c.remoteID)),
                    HTML.text(Format.label(c.subscriberID)), HTML.text(String(c.transactions)),
                    HTML.text(Format.time(c.lastSeen) ?? "-"),
                ]
            })
    }
}
