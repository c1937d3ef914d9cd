import DHCPKafkaTestSupport
import DHCPv6
import Foundation
import Hummingbird
import JSONValue
import LookingGlassStore
import LookingGlassWeb
import Testing
import TextCodecs

/// The routes served on a loopback port (``LiveServer``), over a real SQLite file.
@Suite(.ownThreads) struct WebTests {
    static let now = 1_800_000_100.0

    static func app(_ store: SQLiteStore) -> some ApplicationProtocol {
        let status = WebStatus(health: { (true, "") }, metrics: { "lookingglass_records_total 0\n" }, lag: { [0: 0] })
        return Application(router: LookingGlassRoutes.router(store: store, feed: LiveFeed(), status: status, clock: { now }))
    }

    static func seeded(_ dir: TemporaryDirectory, server: String = "dhcp1", interfaceID: [UInt8] = Array("port-7".utf8))
        throws -> SQLiteStore
    {
        let store = try SQLiteStore(path: dir.appending("lg.sqlite"))
        let frames = [
            Frames.transaction(
                server: server, client: 1, request: .request, response: .reply, address: "2001:db8::10", at: 1_800_000_000,
                relayed: (interfaceID, Array("remote\"><img src=x onerror=alert(2)>".utf8))),
            Frames.transaction(server: "dhcp2", client: 2, request: .solicit, response: nil, at: 1_800_000_001),
        ]
        _ = try store.ingest(StoreTests.batch(frames.enumerated().map {
            StoreTests.record($1, offset: Int64($0), sequence: UInt64($0))
        }))
        return store
    }

    static func body(_ response: LiveResponse) -> String { String(buffer: response.body) }

    @Test func apiNamesAndShapes() async throws {
        try await TemporaryDirectory.with(prefix: "lg-web") { dir in
            let store = try Self.seeded(dir)
            try await LiveServer.run(Self.app(store)) { client in
                try await client.execute(uri: "/api/servers", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
                    let json = try JSONValue.parse(Self.body(response))
                    let servers = json["servers"]?.arrayValue ?? []
                    #expect(servers.map { $0["name"]?.stringValue } == ["dhcp1", "dhcp2"])
                    if case .object(let members) = servers.first {
                        #expect(members.map(\.0) == [
                            "name", "last_seen", "transactions", "unanswered", "latency_p50_ms", "latency_p99_ms", "lost_frames",
                        ])
                    }
                    #expect(servers.last?["unanswered"]?.intValue == 1)
                }
                let duid = Frames.clientDUID(1).bytes.hexString
                try await client.execute(uri: "/api/transactions?duid=\(duid)", method: .get) { response in
                    let json = try JSONValue.parse(Self.body(response))
                    let list = json["transactions"]?.arrayValue ?? []
                    #expect(list.count == 1)
                    if case .object(let members) = list.first {
                        #expect(members.map(\.0) == [
                            "id", "server_name", "timestamp_in", "timestamp_out", "request_type", "response_type", "client_duid",
                            "interface_id", "remote_id", "addresses", "prefixes",
                        ])
                    }
                    #expect(list.first?["request_type"]?.stringValue == "request")
                    #expect(list.first?["addresses"]?.arrayValue == [.string("2001:db8::10")])
                    #expect(json["next"]?.isNull == true)
                    let id = list.first?["id"]?.stringValue ?? ""
                    try await client.execute(uri: "/transactions/\(id)", method: .get) { page in
                        let text = Self.body(page)
                        // The decode as HTML: the summary line of each message, then each relay level's options.
                        #expect(text.contains("relay-forw hops=1 link=2001:db8:1::1 peer=2001:db8:1::1 &gt; relay-forw hops=0"))
                        #expect(text.contains("<h3>request txid=0x000001</h3>"))
                        #expect(text.contains("<b>iaaddr</b> (5) "))
                        #expect(!text.contains("\\u{a}"))
                    }
                    try await client.execute(uri: "/api/transactions/\(id)", method: .get) { detail in
                        let full = try JSONValue.parse(Self.body(detail))
                        #expect(full["message_in"]?["type"]?.stringValue == "relay-forw")
                        #expect(full["message_out"]?["relayed_message"]?["relayed_message"]?["type"]?.stringValue == "reply")
                    }
                }
                try await client.execute(uri: "/api/transactions?unanswered=1&limit=1", method: .get) { response in
                    let list = try JSONValue.parse(Self.body(response))["transactions"]?.arrayValue ?? []
                    #expect(list.map { $0["server_name"]?.stringValue } == ["dhcp2"])
                }
                try await client.execute(uri: "/api/transactions?limit=1", method: .get) { response in
                    let json = try JSONValue.parse(Self.body(response))
                    #expect(json["next"]?.stringValue != nil)
                }
                try await client.execute(uri: "/api/leases?address=2001:db8:0::10&at=2027-01-15T08:00:30Z", method: .get) { response in
                    let leases = try JSONValue.parse(Self.body(response))["leases"]?.arrayValue ?? []
                    #expect(leases.count == 1)
                    #expect(leases.first?["address"]?.stringValue == "2001:db8::10")
                    #expect(leases.first?["client_duid"]?.stringValue == duid)
                }
                try await client.execute(uri: "/api/transactions?duid=zz", method: .get) { response in
                    #expect(response.status == .badRequest)
                }
                try await client.execute(uri: "/api/servers", method: .post) { response in
                    #expect(response.status != .ok)
                }
            }
        }
    }

    @Test func hostileStringsRenderAsText() async throws {
        try await TemporaryDirectory.with(prefix: "lg-xss") { dir in
            let store = try Self.seeded(
                dir, server: "<script>alert(1)</script>", interfaceID: Array("\"><img src=x onerror=alert(3)>".utf8))
            try await LiveServer.run(Self.app(store)) { client in
                for uri in ["/", "/search?server=%3Cscript%3Ealert(1)%3C/script%3E", "/search?address=2001:db8::10"] {
                    try await client.execute(uri: uri, method: .get) { response in
                        let page = Self.body(response)
                        #expect(response.status == .ok, "\(uri)")
                        #expect(!page.contains("<script>alert"), "\(uri)")
                        #expect(!page.contains("<img"), "\(uri)")
                        #expect(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;") || uri.contains("address"), "\(uri)")
                    }
                }
                try await client.execute(uri: "/search?address=2001:db8::10", method: .get) { response in
                    let page = Self.body(response)
                    #expect(page.contains("&quot;&gt;&lt;img src=x onerror=alert(3)&gt;"))
                    #expect(page.contains("remote&quot;&gt;&lt;img"))
                }
            }
        }
    }

    @Test func macVendorsFromTheOUIList() async throws {
        try await TemporaryDirectory.with(prefix: "lg-oui") { dir in
            let store = try Self.seeded(dir)
            let vendors = OUIDirectory(text: "OUI/MA-L\n52-54-00   (hex)\t\tQEMU <virtual> & Co\n525400     (base 16)\t\tQEMU\n")
            let status = WebStatus(health: { (true, "") }, metrics: { "" }, lag: { [:] })
            let app = Application(router: LookingGlassRoutes.router(
                store: store, feed: LiveFeed(), status: status, vendors: vendors, clock: { Self.now }))
            try await LiveServer.run(app) { client in
                try await client.execute(uri: "/clients/\(Frames.clientDUID(1).bytes.hexString)", method: .get) { response in
                    #expect(Self.body(response).contains("52:54:00:00:00:01 (QEMU &lt;virtual&gt; &amp; Co)"))
                }
                try await client.execute(uri: "/api/transactions?limit=1000", method: .get) { response in
                    let id = try JSONValue.parse(Self.body(response))["transactions"]?.arrayValue?.last?["id"]?.stringValue ?? ""
                    try await client.execute(uri: "/api/transactions/\(id)", method: .get) { detail in
                        let json = try JSONValue.parse(Self.body(detail))
                        #expect(json["mac_vendor"]?.stringValue == "QEMU <virtual> & Co")
                    }
                }
            }
            #expect(OUIDirectory(path: dir.appending("missing")) == nil)
        }
    }
}
