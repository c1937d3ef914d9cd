import DHCPKafkaTestSupport
import Foundation
import Hummingbird
import NIOCore

/// One header field (HTTPTypes' `HTTPField`, which Hummingbird does not re-export by name).
private typealias HTTPField = HTTPFields.Element

/// Why an exchange with the test HTTP server failed.
enum HTTPExchangeError: Error, CustomStringConvertible {
    case connect(errno: Int32)
    case send(errno: Int32)
    case receive(errno: Int32)
    case tooLarge(bytes: Int)
    case malformed(String)

    var description: String {
        switch self {
        case .connect(let e): "connect to the test server failed: \(String(cString: strerror(e)))"
        case .send(let e): "sending the request failed: \(String(cString: strerror(e)))"
        case .receive(let e): "reading the response failed (timed out after 60 s?): \(String(cString: strerror(e)))"
        case .tooLarge(let n): "response exceeds \(n) bytes"
        case .malformed(let why): "malformed HTTP response: \(why)"
        }
    }
}

/// The most a response may be before the exchange fails.
private let responseLimit = 16 << 20

/// Connects to 127.0.0.1:`port`, sends `request`, reads until the server closes the connection.
/// Each send and receive waits at most 60 s (the machine is loaded; a hung server fails the test).
func exchange(port: UInt16, request: [UInt8]) throws(HTTPExchangeError) -> [UInt8] {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw .connect(errno: errno) }
    defer { close(fd) }
    var limit = timeval(tv_sec: 60, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    guard connectToLoopback(fd, port: port) == 0 else { throw .connect(errno: errno) }
    var sent = 0
    while sent < request.count {
        let n = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard n > 0 else { throw .send(errno: errno) }
        sent += n
    }
    var response: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)
    while true {
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n == 0 { return response }
        guard n > 0 else { throw .receive(errno: errno) }
        response += chunk[0..<n]
        guard response.count <= responseLimit else { throw .tooLarge(bytes: responseLimit) }
    }
}

/// Parses a whole HTTP/1.1 response: status line, fields, then the body by `Content-Length`,
/// chunked transfer coding, or up to the close (none at all for a response to HEAD).
func parseResponse(_ raw: [UInt8], head: Bool) throws(HTTPExchangeError) -> LiveResponse {
    let separator: [UInt8] = Array("\r\n\r\n".utf8)
    guard let end = raw.firstRange(of: separator) else { throw .malformed("no end of header") }
    let lines = String(decoding: raw[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
    let statusWords = lines[0].split(separator: " ", maxSplits: 2)
    guard statusWords.count >= 2, statusWords[0].hasPrefix("HTTP/1."), let code = Int(statusWords[1]), (100...599).contains(code)
    else { throw .malformed("status line \(lines[0].debugDescription)") }
    var fields = HTTPFields()
    for line in lines.dropFirst() {
        guard let colon = line.firstIndex(of: ":"), let name = HTTPField.Name(String(line[..<colon])) else {
            throw .malformed("header line \(line.debugDescription)")
        }
        fields.append(HTTPField(name: name, value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
    }
    var rest = Array(raw[end.upperBound...])
    if head {
        rest = []
    } else if fields[.transferEncoding]?.lowercased() == "chunked" {
        rest = try dechunk(rest)
    } else if let length = fields[.contentLength].flatMap({ Int($0) }) {
        guard rest.count >= length else { throw .malformed("body is \(rest.count) bytes, Content-Length \(length)") }
        rest = Array(rest.prefix(length))
    }
    return LiveResponse(status: HTTPResponse.Status(code: code), headers: fields, body: ByteBuffer(bytes: rest))
}

/// Decodes a chunked body (RFC 9112 section 7.1); chunk extensions and trailers are ignored.
private func dechunk(_ data: [UInt8]) throws(HTTPExchangeError) -> [UInt8] {
    let crlf: [UInt8] = [13, 10]
    var body: [UInt8] = []
    var position = 0
    while true {
        guard let line = data[position...].firstRange(of: crlf) else { throw .malformed("truncated chunk size") }
        let sizeText = String(decoding: data[position..<line.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
        guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size >= 0 else {
            throw .malformed("chunk size \(sizeText.debugDescription)")
        }
        if size == 0 { return body }
        let start = line.upperBound
        guard data.count >= start + size + 2 else { throw .malformed("truncated chunk") }
        body += data[start..<(start + size)]
        position = start + size + 2
    }
}
