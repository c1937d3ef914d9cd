import DHCPv6
import Foundation
import JSONValue
import LookingGlassStore
import TextCodecs

/// Text forms shared by the API and the pages.
enum Format {
    /// ISO 8601 in UTC with milliseconds, or nil for 0 (absent).
    static func time(_ seconds: Double) -> String? {
        guard seconds > 0, seconds.isFinite, seconds < 32_503_680_000 else { return nil }
        return Date(timeIntervalSince1970: seconds).formatted(
            Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// Parses ISO 8601 (with or without fractional seconds) or seconds since the epoch.
    static func parseTime(_ text: String) -> Double? {
        if let seconds = Double(text), seconds.isFinite { return seconds }
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) {
            return date.timeIntervalSince1970
        }
        return (try? Date.ISO8601FormatStyle().parse(text))?.timeIntervalSince1970
    }

    /// Lower-case hex.
    static func hex(_ bytes: [UInt8]) -> String { bytes.hexString }

    /// Parses hex (optionally with `:` or `-` separators), at most 512 bytes; nil when not hex.
    static func parseHex(_ text: String) -> [UInt8]? {
        guard let bytes = try? Hex.decode(text, skipping: ":-"), bytes.count <= 512 else { return nil }
        return bytes
    }

    /// An identifier for people: its text when it is printable UTF-8, else hex.
    static func label(_ bytes: [UInt8]) -> String {
        guard !bytes.isEmpty else { return "" }
        let printable = bytes.allSatisfy { (0x20...0x7E).contains($0) }
        return printable ? String(decoding: bytes, as: UTF8.self) : hex(bytes)
    }

    /// A transaction as the API lists it.
    static func json(_ t: TransactionSummary) -> JSONValue {
        .object([
            ("id", .string(String(t.id, radix: 16))), ("server_name", .string(t.serverName)),
            ("timestamp_in", time(t.timestampIn).map { .string($0) } ?? .null),
            ("timestamp_out", time(t.timestampOut).map { .string($0) } ?? .null),
            ("request_type", t.requestType.map { .string($0) } ?? .null),
            ("response_type", t.responseType.map { .string($0) } ?? .null),
            ("client_duid", t.clientDUID.isEmpty ? .null : .string(hex(t.clientDUID))),
            ("interface_id", t.interfaceID.isEmpty ? .null : .string(hex(t.interfaceID))),
            ("remote_id", t.remoteID.isEmpty ? .null : .string(hex(t.remoteID))),
            ("addresses", .array(t.addresses.map { .string($0) })), ("prefixes", .array(t.prefixes.map { .string($0) })),
        ])
    }

    /// A number or null.
    static func number(_ value: Double?) -> JSONValue { value.map { .double(($0 * 1000).rounded() / 1000) } ?? .null }
}
