import DHCPKafkaTestSupport
import DHCPv6
import Foundation
import Hummingbird
import JSONValue
import LookingGlassStore
import LookingGlassWeb
import Testing
import TextCodecs

/// "Who had this address or prefix at T" for delegated prefixes, relay identifiers searched as text,
/// one shape for errors, and the transaction and client pages' content, over a real SQLite file.
@Suite(.ownThreads) struct ForensicTests {
    static let t0 = 1_800_000_000.0

    static func store(_ dir: TemporaryDirectory) throws -> SQLiteStore {
        let store = try SQLiteStore(path: dir.appending("lg.sqlite"))
        let frames = [
            Frames.transaction(
                server: "pd1", client: 9, request: .request, response: .reply, prefix: "2001:db8:100::/56", validLifetime: 3600,
                at: t0, relayed: (Array("ge-0/0/9.100".utf8), Array("cafe".utf8))),
            // A server that sent host bits in its prefix: stored as the prefix it names.
            Frames.transaction(
                server: "pd1", client: 10, request: .request, response: .reply, prefix: "2001:db8:200:1::/56", validLifetime: 3600,
                at: t0),
            Frames.transaction(
                server: "pd1", client: 11, request: .request, response: .reply, address: "2001:db8:100:ab::1", at: t0 + 5),
        ]
        _ = try store.ingest(StoreTests.batch(frames.enumerated().map {
            StoreTests.record($1, offset: Int64($0), sequence: UInt64($0))
        }))
        return store
    }

    @Test func prefixLeasesAnswerForThePrefixAndEverythingInsideIt() async throws {
        try await TemporaryDirectory.with(prefix: "lg-prefix") { dir in
            let store = try Self.store(dir)
            let owner = Frames.clientDUID(9).bytes
            let exact = try store.leases(of: "2001:db8:100::/56", kind: .prefix, at: Self.t0 + 10)
            #expect(exact.map(\.text) == ["2001:db8:100::/56"])
            #expect(exact.first?.clientDUID == owner)
            #expect(exact.first?.interfaceID == Array("ge-0/0/9.100".utf8))
            // A /64 inside the delegated /56 finds the /56.
            let inside = try store.leases(of: "2001:db8:100:ff::/64", kind: .prefix, at: Self.t0 + 10)
            #expect(inside.map(\.text) == ["2001:db8:100::/56"])
            #expect(inside.first?.clientDUID == owner)
            // An address inside it finds the prefix, and the address's own lease when there is one.
            let address = try store.leases(of: "2001:db8:100:ab::1", kind: .address, at: Self.t0 + 10)
            #expect(Set(address.map(\.text)) == ["2001:db8:100::/56", "2001:db8:100:ab::1"])
            #expect(address.first { $0.kind == .address }?.clientDUID == Frames.clientDUID(11).bytes)
            // Outside the prefix, before it was handed out, after it expired: nobody.
            #expect(try store.leases(of: "2001:db8:101::/64", kind: .prefix, at: Self.t0 + 10).isEmpty)
            #expect(try store.leases(of: "2001:db8:100:ff::/64", kind: .prefix, at: Self.t0 - 10).isEmpty)
            #expect(try store.leases(of: "2001:db8:100:ff::/64", kind: .prefix, at: Self.t0 + 4000).isEmpty)
            // Host bits a server sent are cleared: the prefix is found under its canonical name.
            let cleared = try store.leases(of: "2001:db8:200::/56", kind: .prefix, at: Self.t0 + 10)
            #expect(cleared.first?.clientDUID == Frames.clientDUID(10).bytes)
            // A shorter prefix than the delegation is not "inside" it.
            #expect(try store.leases(of: "2001:db8:100::/48", kind: .prefix, at: Self.t0 + 10).isEmpty)

            try await LiveServer.run(WebTests.app(store)) { client in
                let at = "2027-01-15T08:00:10Z"
                try await client.execute(uri: "/api/leases?prefix=2001:db8:100:ff::/64&at=\(at)", method: .get) { response in
                    let leases = try JSONValue.parse(WebTests.body(response))["leases"]?.arrayValue ?? []
                    #expect(leases.map { $0["prefix"]?.stringValue } == ["2001:db8:100::/56"])
                    #expect(leases.first?["client_duid"]?.stringValue == owner.hexString)
                }
                try await client.execute(uri: "/leases?prefix=2001:db8:100:ff::/64&at=\(at)", method: .get) { response in
                    #expect(WebTests.body(response).contains("<td>2001:db8:100::/56</td>"))
                }
            }
        }
    }

    @Test func relayIdentifiersAreSearchedAsTextOrHex() async throws {
        try await TemporaryDirectory.with(prefix: "lg-text-id") { dir in
            let store = try Self.store(dir)
            try await LiveServer.run(WebTests.app(store)) { client in
                func found(_ query: String) async throws -> Int {
                    try await client.execute(uri: "/api/transactions?\(query)", method: .get) { response in
                        #expect(response.status == .ok, "\(query)")
                        return try JSONValue.parse(WebTests.body(response))["transactions"]?.arrayValue?.count ?? -1
                    }
                }
                let found1 = try await found("interface_id=ge-0/0/9.100")
                #expect(found1 == 1)
                let found2 = try await found("interface_id=" + Array("ge-0/0/9.100".utf8).hexString)
                #expect(found2 == 1)
                let found3 = try await found("interface_id=ge-0/0/9.101")
                #expect(found3 == 0)
                // "cafe" is also hex: both spellings are searched, the stored text matches.
                let found4 = try await found("remote_id=cafe")
                #expect(found4 == 1)
                let found5 = try await found("remote_id=63:61:66:65")
                #expect(found5 == 1)
                let found6 = try await found("remote_id=beef")
                #expect(found6 == 0)
            }
        }
    }

    @Test func errorsHaveOneShapePerSide() async throws {
        try await TemporaryDirectory.with(prefix: "lg-errors") { dir in
            let store = try Self.store(dir)
            try await LiveServer.run(WebTests.app(store)) { client in
                for uri in ["/no/such/page", "/transactions/fffff"] {
                    try await client.execute(uri: uri, method: .get) { response in
                        #expect(response.status == .notFound, "\(uri)")
                        #expect(response.headers[.contentType] == "text/html; charset=utf-8", "\(uri)")
                        #expect(WebTests.body(response).hasPrefix("<!DOCTYPE html>"), "\(uri)")
                        #expect(WebTests.body(response).contains("<h1>404 Not Found</h1>"), "\(uri)")
                        #expect(response.headers[.contentSecurityPolicy] != nil, "\(uri)")
                    }
                }
                for uri in ["/api/no-such-thing", "/api/transactions/fffff"] {
                    try await client.execute(uri: uri, method: .get) { response in
                        #expect(response.status == .notFound, "\(uri)")
                        #expect(response.headers[.contentType] == "application/json", "\(uri)")
                        let error = try JSONValue.parse(WebTests.body(response))["error"]?.stringValue
                        #expect(error?.isEmpty == false, "\(uri)")
                    }
                }
                for (uri, method) in [("/api/servers", HTTPRequest.Method.post), ("/api/transactions/1", .delete), ("/", .post), ("/leases", .put)] {
                    try await client.execute(uri: uri, method: method) { response in
                        #expect(response.status == .methodNotAllowed, "\(method) \(uri)")
                        #expect(response.headers[.allow] == "GET, HEAD", "\(method) \(uri)")
                        let api = uri.hasPrefix("/api/")
                        #expect(response.headers[.contentType] == (api ? "application/json" : "text/html; charset=utf-8"))
                    }
                }
                try await client.execute(uri: "/api/servers", method: .head) { response in
                    #expect(response.status == .ok)
                }
            }
        }
    }

    @Test func transactionPageShowsTheFullDecodeWithHostileStringsEscaped() async throws {
        try await TemporaryDirectory.with(prefix: "lg-decode") { dir in
            let store = try SQLiteStore(path: dir.appending("lg.sqlite"))
            let hostileServer = "\"><img src=x onerror=alert(5)>"
            let frame = Frames.transaction(
                server: hostileServer, client: 3, request: .request, response: .reply, address: "2001:db8::33", at: Self.t0,
                relayed: (Array("<script>alert(6)</script>".utf8), Array("'><svg onload=alert(7)>".utf8)))
            let stored = try store.ingest(StoreTests.batch([StoreTests.record(frame, offset: 0, sequence: 0)]))
            let id = String(try #require(stored.insertedIDs.first), radix: 16)
            try await LiveServer.run(WebTests.app(store)) { client in
                try await client.execute(uri: "/transactions/\(id)", method: .get) { response in
                    let page = WebTests.body(response)
                    #expect(response.status == .ok)
                    // The decode: every relay level and the message with their options.
                    #expect(page.contains("<h3>relay-forw hops=1 link=2001:db8:1::1 peer=2001:db8:1::1</h3>"))
                    #expect(page.contains("<h3>relay-forw hops=0 link=2001:db8:1::1 peer=fe80::5054:ff:fe00:3</h3>"))
                    #expect(page.contains("<h3>reply txid=0x000003</h3>"))
                    #expect(page.contains("<b>interface-id</b> (18) "))
                    #expect(page.contains("<b>remote-id</b> (37) "))
                    #expect(page.contains("<b>iaaddr</b> (5) "))
                    #expect(page.contains("address 2001:db8::33"))
                    // Hostile strings are text, never markup.
                    #expect(page.contains("&lt;script&gt;alert(6)&lt;/script&gt;"))
                    #expect(page.contains("&quot;&gt;&lt;img src=x onerror=alert(5)&gt;"))
                    #expect(!page.contains("<script>alert"))
                    #expect(!page.contains("<img"))
                    #expect(!page.contains("<svg onload"))
                }
                try await client.execute(uri: "/clients/\(Frames.clientDUID(3).bytes.hexString)", method: .get) { response in
                    let page = WebTests.body(response)
                    // The timeline: one lane per server, one mark per transaction, names escaped.
                    #expect(page.contains("<svg class=\"timeline\""))
                    #expect(page.components(separatedBy: "<circle ").count - 1 == 1)
                    #expect(page.contains("&quot;&gt;&lt;img src=x onerror=alert(5)&gt;"))
                    #expect(!page.contains("<img"))
                }
            }
        }
    }

    /// The overview's sparkline comes from per-minute counts kept by the ingest; hostile timestamps
    /// (NaN, 1e300) are stored without trapping and do not land in the last hour.
    @Test func sparklineCountsTransactionsPerMinute() async throws {
        try await TemporaryDirectory.with(prefix: "lg-spark") { dir in
            let store = try SQLiteStore(path: dir.appending("lg.sqlite"))
            let now = 1_800_003_600.0
            var frames = (0..<30).map { n in
                Frames.transaction(server: "spark", client: n, request: .solicit, response: .advertise, at: now - 150 + Double(n))
            }
            frames.append(Frames.transaction(server: "spark", client: 99, request: .solicit, response: nil, at: now - 7200))
            frames.append(Frames.transaction(server: "spark", client: 98, request: .solicit, response: nil, at: 1e300))
            frames.append(Frames.transaction(server: "spark", client: 97, request: .solicit, response: nil, at: .nan))
            _ = try store.ingest(StoreTests.batch(frames.enumerated().map {
                StoreTests.record($1, offset: Int64($0), sequence: UInt64($0))
            }))
            let spark = try #require(try store.servers(now: now).first).perMinute
            #expect(spark.count == 60)
            #expect(spark.reduce(0, +) == 30)
            // now - 150 ... now - 121 falls in the minutes 3 and 2 before the current one.
            #expect(spark[56] + spark[57] == 30, "\(spark)")
            #expect(try store.statistics().transactions == 33)
        }
    }
}
