import DHCPKafkaRuntime
#if canImport(Glibc)
import Glibc
#endif

/// Why the metrics endpoint cannot listen.
public struct MetricsEndpointError: Error, CustomStringConvertible {
    /// What went wrong and what to do.
    public let description: String
}

/// A minimal HTTP/1.1 server for Prometheus scrapes: `GET /metrics` answers the text exposition
/// format rendered by `render`; anything else gets 404 or 405.
///
/// One connection at a time on its own thread: scrapes come every few seconds from one or two
/// Prometheus servers, so a full HTTP stack (SwiftNIO) would cost more build time than it saves.
/// A client that stalls is cut off after 2 s, so it can delay the next scrape but never the relay.
public final class MetricsEndpoint: BlockingWorker, @unchecked Sendable {
    /// The address as configured (`host:port`, IPv6 as `[addr]:port`).
    public let address: String
    /// The port actually bound (useful with port 0).
    public let port: UInt16
    private let descriptor: Int32
    private let threads = ThreadGroup()
    private let render: @Sendable () -> [UInt8]

    /// Binds a listening TCP socket at `listen`; scrapes call `render` for the body.
    public init(listen: String, render: @escaping @Sendable () -> [UInt8]) throws(MetricsEndpointError) {
        address = listen
        self.render = render
        let (host, service) = try Self.split(listen)
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE
        var list: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(host, service, &hints, &list)
        guard resolved == 0, let first = list else {
            throw MetricsEndpointError(description: "metrics listen address \(listen): \(String(cString: gai_strerror(resolved)))")
        }
        defer { freeaddrinfo(list) }
        let fd = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw MetricsEndpointError(description: "cannot create the metrics socket: \(Self.errnoText())") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0, Glibc.listen(fd, 16) == 0 else {
            let reason = Self.errnoText()
            close(fd)
            throw MetricsEndpointError(description: "cannot listen for metrics on \(listen): \(reason); choose a free local address")
        }
        descriptor = fd
        port = Self.boundPort(fd)
    }

    deinit { close(descriptor) }

    /// Starts serving on its own thread.
    public func start() {
        threads.spawn("dhcpkafka-metrics") { [self] in
            while !threads.isStopping {
                var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                guard poll(&poller, 1, 250) > 0 else { continue }
                let client = accept(descriptor, nil, nil)
                guard client >= 0 else { continue }
                _ = fcntl(client, F_SETFD, FD_CLOEXEC)
                serve(client)
                close(client)
            }
        }
    }

    /// Stops accepting scrapes.
    public func requestStop() { threads.requestStop() }

    /// Waits until the serving thread ended.
    public func waitUntilFinished() async throws { try await threads.waitUntilFinished() }

    private func serve(_ client: Int32) {
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard let request = Self.readHead(client) else { return }
        let line = request.split(separator: "\r\n", maxSplits: 1).first ?? ""
        let parts = line.split(separator: " ")
        let response: [UInt8]
        if parts.count < 2 {
            response = Self.response(400, "Bad Request", body: Array("bad request\n".utf8))
        } else if parts[0] != "GET" && parts[0] != "HEAD" {
            response = Self.response(405, "Method Not Allowed", body: Array("only GET\n".utf8))
        } else if parts[1] == "/metrics" || parts[1].hasPrefix("/metrics?") {
            response = Self.response(200, "OK", body: render(), head: parts[0] == "HEAD")
        } else {
            response = Self.response(404, "Not Found", body: Array("metrics are at /metrics\n".utf8))
        }
        var sent = 0
        response.withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress else { return }
            while sent < bytes.count {
                let n = send(client, base + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
                if n <= 0 { break }
                sent += n
            }
        }
    }

    private static func readHead(_ client: Int32) -> String? {
        var head: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 2048)
        while head.count < 8192 {
            let n = chunk.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return nil }
            head += chunk[0..<n]
            // The request head ends at the first empty line (CR LF CR LF); the body, if any, is ignored.
            if head.firstRange(of: [13, 10, 13, 10]) != nil { break }
        }
        return String(decoding: head, as: UTF8.self)
    }

    private static func response(_ code: Int, _ reason: String, body: [UInt8], head: Bool = false) -> [UInt8] {
        let type = code == 200 ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain; charset=utf-8"
        let header = "HTTP/1.1 \(code) \(reason)\r\nContent-Type: \(type)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        return Array(header.utf8) + (head ? [] : body)
    }

    /// Splits `host:port` / `[v6]:port`; an empty host listens on all addresses.
    static func split(_ listen: String) throws(MetricsEndpointError) -> (host: String?, port: String) {
        let bad = MetricsEndpointError(description: "metrics listen address '\(listen)' must be host:port, like 127.0.0.1:9464 or [::1]:9464")
        guard let colon = listen.lastIndex(of: ":"), let port = UInt16(listen[listen.index(after: colon)...]) else { throw bad }
        var host = String(listen[..<colon])
        if host.hasPrefix("[") {
            guard host.hasSuffix("]") else { throw bad }
            host = String(host.dropFirst().dropLast())
        } else if host.contains(":") {
            throw bad
        }
        return (host.isEmpty ? nil : host, String(port))
    }

    private static func boundPort(_ fd: Int32) -> UInt16 {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        let family = storage.ss_family
        return withUnsafePointer(to: &storage) { pointer in
            if family == sa_family_t(AF_INET6) {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
        }
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
