import JSONValue
import TextCodecs

/// A DHCP Unique Identifier (RFC 8415 section 11), as carried in client-id and server-id options.
public enum DUID: Hashable, Sendable, CustomStringConvertible {
    /// Type 1, DUID-LLT: link-layer address plus time (seconds since 2000-01-01 UTC, mod 2^32).
    case llt(hardwareType: UInt16, time: UInt32, linkLayerAddress: [UInt8])
    /// Type 2, DUID-EN: enterprise number plus vendor-assigned identifier.
    case en(enterpriseNumber: UInt32, identifier: [UInt8])
    /// Type 3, DUID-LL: link-layer address.
    case ll(hardwareType: UInt16, linkLayerAddress: [UInt8])
    /// Type 4, DUID-UUID (RFC 6355): exactly 16 bytes.
    case uuid([UInt8])
    /// Any other DUID type, with everything after the type kept raw.
    case unknown(type: UInt16, data: [UInt8])

    /// The DUID type code.
    public var type: UInt16 {
        switch self {
        case .llt: 1
        case .en: 2
        case .ll: 3
        case .uuid: 4
        case .unknown(let type, _): type
        }
    }

    /// The type name: `"duid-llt"`, `"duid-en"`, `"duid-ll"`, `"duid-uuid"` or `"unknown-N"`.
    public var typeName: String {
        switch self {
        case .llt: "duid-llt"
        case .en: "duid-en"
        case .ll: "duid-ll"
        case .uuid: "duid-uuid"
        case .unknown(let type, _): "unknown-\(type)"
        }
    }

    /// The DUID as it appears on the wire (type included).
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        serialize(into: &out)
        return out
    }

    /// Appends the wire form.
    func serialize(into out: inout [UInt8]) {
        out.append16(type)
        switch self {
        case let .llt(hw, time, lladdr):
            out.append16(hw)
            out.append32(time)
            out.append(contentsOf: lladdr)
        case let .en(enterprise, identifier):
            out.append32(enterprise)
            out.append(contentsOf: identifier)
        case let .ll(hw, lladdr):
            out.append16(hw)
            out.append(contentsOf: lladdr)
        case .uuid(let uuid):
            out.append(contentsOf: uuid)
        case .unknown(_, let data):
            out.append(contentsOf: data)
        }
    }

    /// Parses a whole DUID; error offsets are positions in `bytes`.
    public static func parse(_ bytes: [UInt8]) throws(DHCPv6Error) -> DUID {
        try bytes.withUnsafeBufferPointer { (buffer) throws(DHCPv6Error) in
            var reader = MessageReader<BuildModel>(bytes: buffer, position: 0, end: buffer.count)
            return try parse(&reader)
        }
    }

    /// Parses a DUID filling the rest of `reader`.
    static func parse<Mode>(_ reader: inout MessageReader<Mode>) throws(DHCPv6Error) -> DUID {
        let type = try reader.u16("duid-type")
        switch type {
        case 1:
            let hw = try reader.u16("duid-llt.hardware-type")
            let time = try reader.u32("duid-llt.time")
            return .llt(hardwareType: hw, time: time, linkLayerAddress: reader.rest())
        case 2:
            let enterprise = try reader.u32("duid-en.enterprise-number")
            return .en(enterpriseNumber: enterprise, identifier: reader.rest())
        case 3:
            let hw = try reader.u16("duid-ll.hardware-type")
            return .ll(hardwareType: hw, linkLayerAddress: reader.rest())
        case 4:
            guard reader.remaining == 16 else {
                throw DHCPv6Error(
                    field: "duid-uuid.uuid", offset: reader.position,
                    reason: "must be 16 bytes, got \(reader.remaining)")
            }
            return .uuid(reader.rest())
        default:
            return .unknown(type: type, data: reader.rest())
        }
    }

    /// Short human form: `"duid-ll 1/00:11:22:33:44:55"`, `"duid-llt 1/12345/00:11:..."`,
    /// `"duid-en 9/0a0b"`, `"duid-uuid <hex>"`, `"unknown-N <hex>"`.
    public var description: String {
        switch self {
        case let .llt(hw, time, lladdr): "duid-llt \(hw)/\(time)/\(Hex.encode(lladdr, separator: ":"))"
        case let .en(enterprise, identifier): "duid-en \(enterprise)/\(identifier.hexString)"
        case let .ll(hw, lladdr): "duid-ll \(hw)/\(Hex.encode(lladdr, separator: ":"))"
        case .uuid(let uuid): "duid-uuid \(uuid.hexString)"
        case let .unknown(type, data): "unknown-\(type) \(data.hexString)"
        }
    }

    /// The decoded fields: `type` (the type name) then type-specific fields in snake_case, hex for bytes.
    public var json: JSONValue {
        switch self {
        case let .llt(hw, time, lladdr):
            .object([
                ("type", "duid-llt"), ("hardware_type", .int(Int64(hw))), ("time", .int(Int64(time))),
                ("link_layer_address", .string(lladdr.hexString)),
            ])
        case let .en(enterprise, identifier):
            .object([
                ("type", "duid-en"), ("enterprise_number", .int(Int64(enterprise))),
                ("identifier", .string(identifier.hexString)),
            ])
        case let .ll(hw, lladdr):
            .object([
                ("type", "duid-ll"), ("hardware_type", .int(Int64(hw))),
                ("link_layer_address", .string(lladdr.hexString)),
            ])
        case .uuid(let uuid):
            .object([("type", "duid-uuid"), ("uuid", .string(uuid.hexString))])
        case let .unknown(type, data):
            .object([("type", .string("unknown-\(type)")), ("duid_type", .int(Int64(type))), ("data", .string(data.hexString))])
        }
    }
}
