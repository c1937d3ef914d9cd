import CRdKafka
#if canImport(Glibc)
import Glibc
#endif

/// A parsed IPv4 or IPv6 literal to bind outgoing broker connections to (port 0).
struct SourceAddress: Sendable {
    /// The address with port 0, ready for `bind()`.
    let storage: sockaddr_storage
    /// The length of the address in `storage`.
    let length: socklen_t
    /// The literal as configured.
    let text: String

    /// True for an IPv6 address.
    var isIPv6: Bool { Int32(storage.ss_family) == AF_INET6 }

    /// Parses a numeric IPv4 or IPv6 address (an IPv6 `%zone` is allowed); host names are refused.
    init(parsing text: String) throws(KafkaConfigurationError) {
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(text, "0", &hints, &list)
        defer { if let list { freeaddrinfo(list) } }
        guard rc == 0, let first = list, let address = first.pointee.ai_addr,
            first.pointee.ai_addrlen <= socklen_t(MemoryLayout<sockaddr_storage>.size)
        else {
            throw KafkaConfigurationError(
                code: .invalidSourceAddress,
                message: "The Kafka source address '\(text)' is not an IPv4 or IPv6 address literal.")
        }
        var storage = sockaddr_storage()
        withUnsafeMutableBytes(of: &storage) { target in
            target.copyMemory(from: UnsafeRawBufferPointer(start: address, count: Int(first.pointee.ai_addrlen)))
        }
        self.storage = storage
        self.length = first.pointee.ai_addrlen
        self.text = text
    }

    /// Binds `fd` to this address and connects it to `peer`; returns 0 or an `errno` value, as
    /// librdkafka's `connect_cb` must. librdkafka 2.0.2 hands over a non-blocking socket and waits
    /// for writability itself, so `EINPROGRESS` counts as success.
    func bindAndConnect(_ fd: Int32, to peer: UnsafePointer<sockaddr>, length peerLength: socklen_t) -> Int32 {
        guard peer.pointee.sa_family == storage.ss_family else { return EAFNOSUPPORT }
        let bound = withUnsafePointer(to: storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        if bound != 0 { return errno }
        if connect(fd, peer, peerLength) != 0, errno != EINPROGRESS { return errno }
        return 0
    }

    /// The local address of a socket as `address:port` (IPv6 in brackets), or nil.
    static func localName(of fd: Int32) -> String? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard rc == 0 else { return nil }
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        var port = [CChar](repeating: 0, count: Int(NI_MAXSERV))
        let named = withUnsafePointer(to: storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getnameinfo($0, length, &host, socklen_t(host.count), &port, socklen_t(port.count),
                            NI_NUMERICHOST | NI_NUMERICSERV)
            }
        }
        guard named == 0 else { return nil }
        let hostText = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let portText = String(decoding: port.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return Int32(storage.ss_family) == AF_INET6 ? "[\(hostText)]:\(portText)" : "\(hostText):\(portText)"
    }
}
