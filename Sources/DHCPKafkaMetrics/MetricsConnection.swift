#if canImport(Glibc)
import Glibc
#endif

/// One accepted scrape connection, owned by the endpoint's loop (its only owner closes `fd`).
///
/// It goes through three phases, each with a deadline: reading the request head, writing the
/// response, then draining what the client still sends after our half-close (closing with unread
/// input would reset the connection and could destroy the response before the client reads it).
struct MetricsConnection {
    enum Phase {
        case reading
        case writing
        case draining
    }

    let fd: Int32
    let acceptedAt: UInt64
    var phase = Phase.reading
    var deadline: UInt64
    var head: [UInt8] = []
    var response: [UInt8] = []
    var sent = 0

    init(fd: Int32, now: UInt64, headTimeout: UInt64) {
        self.fd = fd
        acceptedAt = now
        deadline = now + headTimeout
    }

    /// The poll events this phase waits for.
    var events: Int16 { Int16(phase == .writing ? POLLOUT : POLLIN) }

    /// What happened on a read or write.
    enum Progress {
        /// Still going.
        case more
        /// A complete head arrived (the index just past it).
        case head(Int)
        /// The head reached the size limit without ending.
        case tooLarge
        /// The response is out; the write side is shut.
        case responded
        /// Done or failed: close the descriptor.
        case finished
    }

    /// Reads what is there (non-blocking) into the head, up to `limit` bytes.
    mutating func read(limit: Int) -> Progress {
        var chunk = [UInt8](repeating: 0, count: phase == .reading ? max(limit - head.count, 1) : 4096)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) { return .more }
        guard n > 0 else { return .finished }
        // While draining, what the client sends is discarded.
        guard phase == .reading else { return .more }
        let searchFrom = head.count - 3
        head += chunk[0..<n]
        if let end = HTTPRequestHead.end(in: head, from: searchFrom) { return .head(end) }
        return head.count >= limit ? .tooLarge : .more
    }

    /// Starts sending `bytes`, with `deadline` for the whole response.
    mutating func respond(_ bytes: [UInt8], deadline: UInt64) -> Progress {
        phase = .writing
        response = bytes
        sent = 0
        self.deadline = deadline
        return write()
    }

    /// Sends what the socket takes now (non-blocking).
    mutating func write() -> Progress {
        while sent < response.count {
            let n = response.withUnsafeBytes { bytes -> Int in
                guard let base = bytes.baseAddress else { return 0 }
                return send(fd, base + sent, bytes.count - sent, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) { return .more }
            guard n > 0 else { return .finished }
            sent += n
        }
        shutdown(fd, Int32(SHUT_WR))
        return .responded
    }
}
