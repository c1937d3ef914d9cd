import DHCPKafkaTestSupport
import Foundation

/// A blocking TCP connection to 127.0.0.1 for talking raw HTTP to the endpoint in tests.
final class TCPClient: @unchecked Sendable {
    let fd: Int32

    /// Connects to `port`, with `timeout` seconds for each read.
    init?(port: UInt16, timeout: Int = 30) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        var limit = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        guard connectToLoopback(fd, port: port) == 0 else {
            close(fd)
            return nil
        }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Sends all of `bytes`; false when the peer is gone.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { Foundation.send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }

    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Everything until the server closes (nil on a read timeout or error before that).
    func readToEnd() -> [UInt8]? {
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return response }
            if n < 0 { return nil }
            response += chunk[0..<n]
        }
    }
}

/// A parsed HTTP response: status, header fields (lowercased names), body.
struct HTTPResponse {
    let status: Int
    let headers: [String: String]
    let body: String

    init?(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let end = text.range(of: "\r\n\r\n") else { return nil }
        let lines = text[..<end.lowerBound].components(separatedBy: "\r\n")
        guard let first = lines.first, first.hasPrefix("HTTP/1.1 "), let status = Int(first.split(separator: " ")[1]) else { return nil }
        self.status = status
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        self.headers = headers
        body = String(text[end.upperBound...])
    }
}

/// Sends `request` on a new connection and reads the whole response.
func exchange(_ port: UInt16, _ request: [UInt8], timeout: Int = 30) -> HTTPResponse? {
    guard let client = TCPClient(port: port, timeout: timeout), client.send(request), let bytes = client.readToEnd() else { return nil }
    return HTTPResponse(bytes)
}

func exchange(_ port: UInt16, _ request: String, timeout: Int = 30) -> HTTPResponse? {
    exchange(port, Array(request.utf8), timeout: timeout)
}
