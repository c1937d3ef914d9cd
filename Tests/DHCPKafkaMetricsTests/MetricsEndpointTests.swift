import DHCPKafkaMetrics
import DHCPKafkaTestSupport
import Foundation
import Synchronization
import Testing

/// The endpoint served in-process on an ephemeral port, spoken to over real TCP connections.
@Suite(.ownThreads) struct MetricsEndpointTests {
    static let body = Array("# TYPE test_metric counter\ntest_metric 42\n".utf8)

    /// A started endpoint on 127.0.0.1:0 that renders ``body``; stopped by ``stop(_:)``.
    static func serve(_ limits: MetricsEndpoint.Limits = .init()) throws -> MetricsEndpoint {
        let endpoint = try MetricsEndpoint(listen: "127.0.0.1:0", limits: limits) { body }
        endpoint.start()
        return endpoint
    }

    static func stop(_ endpoint: MetricsEndpoint) async throws {
        endpoint.requestStop()
        try await endpoint.waitUntilFinished()
    }

    @Test func getMetrics() async throws {
        let endpoint = try Self.serve()
        let response = try #require(exchange(endpoint.port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        #expect(response.headers["content-length"] == "\(Self.body.count)")
        #expect(response.body == String(decoding: Self.body, as: UTF8.self))
        try await Self.stop(endpoint)
    }

    /// Prometheus may add a query string; the path is what counts.
    @Test func queryStringIsIgnored() async throws {
        let endpoint = try Self.serve()
        #expect(exchange(endpoint.port, "GET /metrics?name[]=x&debug=1 HTTP/1.1\r\n\r\n")?.status == 200)
        #expect(exchange(endpoint.port, "GET /metricsx HTTP/1.1\r\n\r\n")?.status == 404)
        #expect(exchange(endpoint.port, "GET /other?/metrics HTTP/1.0\r\n\r\n")?.status == 404)
        try await Self.stop(endpoint)
    }

    /// HEAD gets the same headers as GET (the body's length included) and no body.
    @Test func headHasNoBody() async throws {
        let endpoint = try Self.serve()
        let response = try #require(exchange(endpoint.port, "HEAD /metrics HTTP/1.1\r\n\r\n"))
        #expect(response.status == 200)
        #expect(response.headers["content-length"] == "\(Self.body.count)")
        #expect(response.body.isEmpty)
        try await Self.stop(endpoint)
    }

    @Test func otherMethodsGet405() async throws {
        let endpoint = try Self.serve()
        for method in ["POST", "PUT", "DELETE", "OPTIONS", "CONNECT"] {
            let response = try #require(exchange(endpoint.port, "\(method) /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n"))
            #expect(response.status == 405, "\(method)")
            #expect(response.headers["allow"] == "GET, HEAD")
        }
        try await Self.stop(endpoint)
    }

    /// Bytes that are not an HTTP/1.x request line get 400, whatever they are.
    @Test func garbageGets400() async throws {
        let endpoint = try Self.serve()
        let requests: [[UInt8]] = [
            Array("\r\n\r\n".utf8),
            Array("GET\r\n\r\n".utf8),
            Array("GET /metrics\r\n\r\n".utf8),
            Array("GET /metrics HTTP/2.0\r\n\r\n".utf8),
            Array("GET  /metrics HTTP/1.1\r\n\r\n".utf8),
            Array("get /metrics HTTP/1.1\r\n\r\n".utf8),
            Array("GET metrics HTTP/1.1\r\n\r\n".utf8),
            [0x16, 0x03, 0x01, 0x00, 0xA5, 0x01, 0x00, 0x00, 0xA1, 0x03, 0x03] + Array("\r\n\r\n".utf8),  // a TLS hello
            Array("GET /metrics\u{1B}[2J HTTP/1.1\r\n\r\n".utf8),
            [0x47, 0x45, 0x54, 0x20, 0x2F, 0xFF, 0xFE, 0x20] + Array("HTTP/1.1\r\n\r\n".utf8),
        ]
        for request in requests {
            let response = exchange(endpoint.port, request)
            #expect(response?.status == 400, "\(request)")
        }
        try await Self.stop(endpoint)
    }

    /// A head that grows past 8 KiB without ending gets 431, and the client can read it (the
    /// endpoint drains instead of resetting the connection).
    @Test func oversizeHeadGets431() async throws {
        let endpoint = try Self.serve()
        let request = "GET /metrics HTTP/1.1\r\nX-Padding: " + String(repeating: "a", count: 20_000) + "\r\n\r\n"
        let response = try #require(exchange(endpoint.port, request))
        #expect(response.status == 431)
        // Just under the limit is fine.
        let fits = "GET /metrics HTTP/1.1\r\nX-Padding: " + String(repeating: "a", count: 8_000) + "\r\n\r\n"
        #expect(exchange(endpoint.port, fits)?.status == 200)
        try await Self.stop(endpoint)
    }

    /// A keep-alive request is answered with `Connection: close`, and the connection is closed:
    /// one request per connection, so no idle connection can hold a slot after its answer.
    @Test func keepAliveIsAnsweredAndClosed() async throws {
        let endpoint = try Self.serve()
        let client = try #require(TCPClient(port: endpoint.port))
        #expect(client.send("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n"))
        let response = try #require(client.readToEnd().flatMap(HTTPResponse.init), "the server closes after the answer")
        #expect(response.status == 200)
        #expect(response.headers["connection"] == "close")
        // A request split over several segments is assembled.
        let split = try #require(TCPClient(port: endpoint.port))
        for piece in ["GE", "T /met", "rics HTTP/1.1\r", "\n\r", "\n"] {
            split.send(piece)
            usleep(20_000)
        }
        #expect(split.readToEnd().flatMap(HTTPResponse.init)?.status == 200)
        try await Self.stop(endpoint)
    }

    /// A client that never finishes its head gets 408 once the head deadline passed.
    @Test func lateHeadGets408() async throws {
        var limits = MetricsEndpoint.Limits()
        limits.headTimeout = .seconds(1)
        let endpoint = try Self.serve(limits)
        let client = try #require(TCPClient(port: endpoint.port))
        client.send("GET /metrics HTTP/1.1\r\n")
        let response = try #require(client.readToEnd().flatMap(HTTPResponse.init))
        #expect(response.status == 408)
        #expect(endpoint.counters.timedOut == 1)
        try await Self.stop(endpoint)
    }

    /// A client sending one byte a second and 200 idle connections, all held open while scrapes
    /// run: every scrape is answered within a Prometheus scrape timeout. (The server used to serve
    /// one connection at a time with 2 s per read: 200 idle connections delayed a scrape by minutes.)
    @Test func slowAndIdleClientsDoNotDelayScrapes() async throws {
        let endpoint = try Self.serve()
        let slowStop = Atomic<Bool>(false)
        let slow = try #require(TCPClient(port: endpoint.port))
        let slowThread = Thread {
            for byte in Array("GET /metrics HTTP/1.1\r\nX-Slow: yes\r\n\r\n".utf8) where !slowStop.load(ordering: .relaxed) {
                guard slow.send([byte]) else { return }
                Thread.sleep(forTimeInterval: 1)
            }
        }
        slowThread.start()
        defer { slowStop.store(true, ordering: .relaxed) }
        var idle: [TCPClient] = []
        for _ in 0..<200 { if let client = TCPClient(port: endpoint.port) { idle.append(client) } }
        #expect(idle.count == 200, "the kernel queues every connection")
        for round in 0..<10 {
            // 8 s: under Prometheus's default 10 s scrape timeout, with room for a loaded machine.
            let response = exchange(endpoint.port, "GET /metrics HTTP/1.1\r\n\r\n", timeout: 8)
            #expect(response?.status == 200, "scrape \(round) is answered while 200 idle clients and a slow one hold connections")
            idle.append(contentsOf: (0..<20).compactMap { _ in TCPClient(port: endpoint.port) })  // and more keep coming
        }
        #expect(endpoint.counters.evicted > 0, "idle connections were closed to make room")
        try await Self.stop(endpoint)
        withExtendedLifetime(idle) {}
    }

    /// With every slot taken by clients that have not sent a head, a new scrape takes the slot of
    /// the one that waited longest.
    @Test func fullSlotsMakeRoomForANewScrape() async throws {
        var limits = MetricsEndpoint.Limits()
        limits.maxConnections = 4
        let endpoint = try Self.serve(limits)
        let idle = (0..<4).compactMap { _ in TCPClient(port: endpoint.port) }
        #expect(idle.count == 4)
        #expect(exchange(endpoint.port, "GET /metrics HTTP/1.1\r\n\r\n", timeout: 8)?.status == 200)
        #expect(endpoint.counters.evicted >= 1)
        // The oldest idle client was closed by the server.
        #expect(idle[0].readToEnd() == [])
        try await Self.stop(endpoint)
    }

    /// Stopping closes every connection and ends the thread promptly, with clients still connected.
    @Test func stopClosesConnections() async throws {
        let endpoint = try Self.serve()
        let idle = try #require(TCPClient(port: endpoint.port))
        #expect(exchange(endpoint.port, "GET /metrics HTTP/1.1\r\n\r\n")?.status == 200)
        try await Self.stop(endpoint)
        #expect(idle.readToEnd() == [], "the server side was closed")
    }

    @Test func refusesBadAddresses() {
        for address in ["9464", "localhost", "[::1:9464", "::1:9464", "127.0.0.1:99999"] {
            #expect(throws: MetricsEndpointError.self, "\(address)") { _ = try MetricsEndpoint(listen: address) { [] } }
        }
    }
}

/// The request-line parser alone.
@Suite struct HTTPRequestHeadTests {
    private func parse(_ text: String) -> HTTPRequestHead { HTTPRequestHead(parsing: Array(text.utf8)[...]) }

    @Test func classifies() {
        #expect(parse("GET /metrics HTTP/1.1\r\n\r\n") == .metrics(headOnly: false))
        #expect(parse("HEAD /metrics HTTP/1.0\r\n\r\n") == .metrics(headOnly: true))
        #expect(parse("GET /metrics?x=y HTTP/1.1\r\n\r\n") == .metrics(headOnly: false))
        #expect(parse("GET / HTTP/1.1\r\n\r\n") == .notFound(headOnly: false))
        #expect(parse("PATCH /metrics HTTP/1.1\r\n\r\n") == .methodNotAllowed)
        #expect(parse("GET /metrics HTTP/1.1x\r\n\r\n") == .badRequest)
        #expect(parse("GET /metrics\tHTTP/1.1\r\n\r\n") == .badRequest)
        #expect(parse("") == .badRequest)
    }

    @Test func findsTheEndOfTheHead() {
        let bytes = Array("GET / HTTP/1.1\r\nA: b\r\n\r\nbody".utf8)
        #expect(HTTPRequestHead.end(in: bytes) == bytes.count - 4)
        #expect(HTTPRequestHead.end(in: bytes, from: -3) == bytes.count - 4)
        #expect(HTTPRequestHead.end(in: Array("GET / HTTP/1.1\r\n\r".utf8)) == nil)
        #expect(HTTPRequestHead.end(in: []) == nil)
    }
}
