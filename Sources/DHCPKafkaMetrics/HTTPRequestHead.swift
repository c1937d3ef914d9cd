/// The metrics endpoint's answer to one HTTP request head: which response it gets.
///
/// Only `GET` and `HEAD` of `/metrics` (with or without a query string) are served; the parser
/// refuses anything it does not understand instead of guessing, and never looks past the head.
public enum HTTPRequestHead: Equatable, Sendable {
    /// `GET /metrics` (or `HEAD` when `headOnly`): 200 with the exposition.
    case metrics(headOnly: Bool)
    /// A path other than `/metrics`: 404.
    case notFound(headOnly: Bool)
    /// A method other than GET or HEAD: 405.
    case methodNotAllowed
    /// Not an HTTP/1.x request line, or bytes a request line may not hold: 400.
    case badRequest

    /// The end of the head (the index just past the first CR LF CR LF) in `bytes`, searching from
    /// `start` (pass the previous length minus 3 when bytes were appended), or `nil` when incomplete.
    public static func end(in bytes: [UInt8], from start: Int = 0) -> Int? {
        var index = max(start, 0)
        while index + 3 < bytes.count {
            if bytes[index] == 13, bytes[index + 1] == 10, bytes[index + 2] == 13, bytes[index + 3] == 10 {
                return index + 4
            }
            index += 1
        }
        return nil
    }

    /// Classifies a complete request head (the header fields are not needed and not parsed).
    public init(parsing head: ArraySlice<UInt8>) {
        let line = head.prefix { $0 != 13 && $0 != 10 }
        // A request line is printable ASCII separated by single spaces: METHOD SP TARGET SP VERSION.
        guard line.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            self = .badRequest
            return
        }
        let parts = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3, let method = parts.first, !method.isEmpty,
              method.allSatisfy({ (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }),
              parts[2].starts(with: Array("HTTP/1.".utf8)), parts[2].count == 8,
              parts[1].first == UInt8(ascii: "/")
        else {
            self = .badRequest
            return
        }
        let headOnly = method.elementsEqual("HEAD".utf8)
        guard headOnly || method.elementsEqual("GET".utf8) else {
            self = .methodNotAllowed
            return
        }
        let path = parts[1].prefix { $0 != UInt8(ascii: "?") }
        self = path.elementsEqual("/metrics".utf8) ? .metrics(headOnly: headOnly) : .notFound(headOnly: headOnly)
    }

    /// The full response to send for this request; `render` is called only for a metrics request.
    public func response(render: () -> [UInt8]) -> [UInt8] {
        switch self {
        case .metrics(let headOnly):
            return Self.response(200, "OK", render(), headOnly: headOnly, type: "text/plain; version=0.0.4; charset=utf-8")
        case .notFound(let headOnly):
            return Self.response(404, "Not Found", Array("metrics are at /metrics\n".utf8), headOnly: headOnly)
        case .methodNotAllowed:
            return Self.response(405, "Method Not Allowed", Array("only GET and HEAD\n".utf8), extra: "Allow: GET, HEAD\r\n")
        case .badRequest:
            return Self.response(400, "Bad Request", Array("bad request: expected GET /metrics HTTP/1.1\n".utf8))
        }
    }

    /// 431: the head grew past the limit without ending.
    public static let headTooLarge = response(
        431, "Request Header Fields Too Large", Array("request head too large\n".utf8))

    /// 408: the head did not arrive within the deadline.
    public static let timedOut = response(408, "Request Timeout", Array("request head not received in time\n".utf8))

    /// 503: every connection slot is busy answering.
    public static let busy = response(503, "Service Unavailable", Array("too many connections; retry\n".utf8))

    /// A response with `Connection: close` (the endpoint answers one request per connection).
    static func response(
        _ code: Int, _ reason: String, _ body: [UInt8], headOnly: Bool = false,
        type: String = "text/plain; charset=utf-8", extra: String = ""
    ) -> [UInt8] {
        let header = "HTTP/1.1 \(code) \(reason)\r\nContent-Type: \(type)\r\nContent-Length: \(body.count)\r\n"
            + extra + "Connection: close\r\n\r\n"
        return Array(header.utf8) + (headOnly ? [] : body)
    }
}
