import DHCPKafkaWire
import DHCPv6
import Hummingbird
import JSONValue
import LookingGlassStore

/// A client error: 400 with a JSON body naming what to fix.
struct BadRequest: Error {
    let message: String
}

/// The read-only JSON API (docs/lookingglass.md, "API"). Names are fixed: scripts depend on them.
struct API: Sendable {
    let store: any LookingGlassStore
    let clock: @Sendable () -> Double
    let vendors: OUIDirectory?

    /// The MAC with its vendor when the OUI list knows it: `00:16:3e:00:00:01 (Xensource, Inc.)`.
    func describe(mac: String?) -> String? {
        guard let mac else { return nil }
        return vendors?.vendor(ofMAC: mac).map { "\(mac) (\($0))" } ?? mac
    }

    func servers() throws -> JSONValue {
        let servers = try store.servers(now: clock())
        return .object([
            ("servers", .array(servers.map { s in
                .object([
                    ("name", .string(s.name)), ("last_seen", Format.time(s.lastSeen).map { .string($0) } ?? .null),
                    ("transactions", .int(Int64(s.transactions))), ("unanswered", .int(Int64(s.unanswered))),
                    ("latency_p50_ms", Format.number(s.latencyP50Ms)), ("latency_p99_ms", Format.number(s.latencyP99Ms)),
                    ("lost_frames", .int(Int64(s.lostFrames))),
                ])
            }))
        ])
    }

    /// Parses the search parameters shared by the API and the search page.
    static func query(_ parameters: [String: String]) throws(BadRequest) -> TransactionQuery {
        var query = TransactionQuery()
        func hex(_ name: String) throws(BadRequest) -> [UInt8]? {
            guard let text = parameters[name], !text.isEmpty else { return nil }
            guard let bytes = Format.parseHex(text) else { throw BadRequest(message: "\(name) must be hex, like 000100011a2b3c4d") }
            return bytes
        }
        // Relay identifiers are often printable (`ge-0/0/1.100`, `eth0`), so they are accepted as
        // text; text that is also hex (`cafe`) matches either spelling.
        func identifier(_ name: String) -> [[UInt8]] {
            guard let text = parameters[name], !text.isEmpty else { return [] }
            let asText = Array(text.utf8)
            guard let bytes = Format.parseHex(text), !bytes.isEmpty, bytes != asText else { return [asText] }
            return [bytes, asText]
        }
        func time(_ name: String) throws(BadRequest) -> Double? {
            guard let text = parameters[name], !text.isEmpty else { return nil }
            guard let value = Format.parseTime(text) else {
                throw BadRequest(message: "\(name) must be ISO 8601 (2026-11-26T20:00:00Z) or seconds since the epoch")
            }
            return value
        }
        query.duid = try hex("duid")
        query.interfaceIDs = identifier("interface_id")
        query.remoteIDs = identifier("remote_id")
        query.subscriberIDs = identifier("subscriber_id")
        if let server = parameters["server"], !server.isEmpty { query.server = server }
        if let mac = parameters["mac"], !mac.isEmpty { query.mac = String(mac.lowercased().map { $0 == "-" ? ":" : $0 }) }
        if let address = parameters["address"], !address.isEmpty { query.address = try canonical(address) }
        query.since = try time("since")
        query.until = try time("until")
        query.unansweredOnly = ["1", "true", "yes", "on"].contains(parameters["unanswered"] ?? "")
        if let limit = parameters["limit"], !limit.isEmpty {
            guard let value = Int(limit), (1...1000).contains(value) else { throw BadRequest(message: "limit must be 1-1000") }
            query.limit = value
        }
        if let cursor = parameters["next"], !cursor.isEmpty {
            guard let value = Int64(cursor, radix: 16) else { throw BadRequest(message: "next must be the hex cursor a page returned") }
            query.before = value
        }
        return query
    }

    /// An address or prefix in the canonical text the store keeps (RFC 5952, `ADDR/LEN`).
    static func canonical(_ text: String) throws(BadRequest) -> String {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard let address = IPv6Address(String(parts[0])), parts.count <= 2 else {
            throw BadRequest(message: "not an IPv6 address or prefix: use 2001:db8::1 or 2001:db8:1::/48")
        }
        guard parts.count == 2 else { return address.description }
        guard let length = UInt8(parts[1]), length <= 128 else { throw BadRequest(message: "prefix length must be 0-128") }
        return LeaseInput.prefixText(address, length: Int(length))
    }

    func transactions(_ parameters: [String: String]) throws -> JSONValue {
        let page = try store.transactions(try Self.query(parameters))
        return .object([
            ("transactions", .array(page.transactions.map(Format.json))),
            ("next", page.next.map { .string(String($0, radix: 16)) } ?? .null),
        ])
    }

    func transaction(_ idText: String) throws -> JSONValue? {
        guard let id = Int64(idText, radix: 16) else { throw BadRequest(message: "the transaction id is hex, as listed") }
        guard let detail = try store.transaction(id: id) else { return nil }
        var members: [(String, JSONValue)]
        if case .object(let listed) = Format.json(detail.summary) { members = listed } else { members = [] }
        members.append(("latency_ms", Format.number(detail.summary.latencyMs)))
        members.append(("status_codes", .array(detail.statusCodes.map { .string($0) })))
        members.append(("mac", detail.mac.map { .string($0) } ?? .null))
        members.append(("mac_vendor", detail.mac.flatMap { vendors?.vendor(ofMAC: $0) }.map { .string($0) } ?? .null))
        let decoded = (try? KafkaMessageRegistry.dhcpKafka.decodeFrame(detail.raw)) as? DHCPKafkaMessage
        members.append(("message_in", decoded?.messageIn?.json ?? .null))
        members.append(("message_out", decoded?.messageOut?.json ?? .null))
        members.append(("raw", .string(Format.hex(detail.raw))))
        return .object(members)
    }

    func leases(_ parameters: [String: String]) throws -> JSONValue {
        let kind: LeaseInput.Kind
        let text: String
        if let address = parameters["address"], !address.isEmpty {
            (kind, text) = (.address, try Self.canonical(address))
        } else if let prefix = parameters["prefix"], !prefix.isEmpty, prefix.contains("/") {
            (kind, text) = (.prefix, try Self.canonical(prefix))
        } else {
            throw BadRequest(message: "give address=ADDR or prefix=P/LEN, and at=ISO8601 (default: now)")
        }
        var at = clock()
        if let atText = parameters["at"], !atText.isEmpty {
            guard let value = Format.parseTime(atText) else { throw BadRequest(message: "at must be ISO 8601 or epoch seconds") }
            at = value
        }
        let leases = try store.leases(of: text, kind: kind, at: at)
        return .object([
            ("leases", .array(leases.map { lease in
                .object([
                    ("client_duid", .string(Format.hex(lease.clientDUID))),
                    ("interface_id", lease.interfaceID.isEmpty ? .null : .string(Format.hex(lease.interfaceID))),
                    ("remote_id", lease.remoteID.isEmpty ? .null : .string(Format.hex(lease.remoteID))),
                    ("server_name", .string(lease.serverName)),
                    (lease.kind == .address ? "address" : "prefix", .string(lease.text)),
                    ("from", Format.time(lease.from).map { .string($0) } ?? .null),
                    ("until", Format.time(lease.until).map { .string($0) } ?? .null),
                ])
            }))
        ])
    }
}
