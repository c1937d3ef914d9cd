import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle

/// Runs a Hummingbird application as a real HTTP server on 127.0.0.1 (an ephemeral port) for the
/// length of `body`, which talks to it over TCP through a ``LiveClient``. The server is shut down
/// gracefully when `body` returns or throws.
///
/// Suites that use it are `.ownThreads`: the server's handlers are tasks, and on the shared
/// cooperative pool (two threads here) they made no progress while two synchronous process tests
/// elsewhere held both threads; eight web tests then timed out together after 60 s (CI with a CPU
/// hog). With the trait the server's child tasks run on the test thread pool.
enum LiveServer {
    /// Thrown when the server stopped (for example, failed to bind) before it was listening.
    struct NotRunning: Error, CustomStringConvertible {
        var description: String { "the test HTTP server stopped before it listened; see its log above" }
    }

    static func run<App: ApplicationProtocol, T: Sendable>(
        _ app: App, _ body: (LiveClient) async throws -> T
    ) async throws -> T {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let live = LiveApplication(inner: app, listening: continuation)
        let group = ServiceGroup(configuration: .init(services: [live], logger: app.logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                defer { continuation.finish() }
                try await group.run()
            }
            let outcome: Result<T, any Error>
            var iterator = ports.makeAsyncIterator()
            if let port = await iterator.next(), let port16 = UInt16(exactly: port) {
                do { outcome = .success(try await body(LiveClient(port: port16))) } catch { outcome = .failure(error) }
            } else {
                outcome = .failure(NotRunning())
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return try outcome.get()
        }
    }
}

/// `inner` with its listen address replaced by 127.0.0.1 port 0, reporting the bound port.
private struct LiveApplication<Inner: ApplicationProtocol>: ApplicationProtocol {
    typealias Responder = Inner.Responder
    let inner: Inner
    let listening: AsyncStream<Int>.Continuation

    var responder: Responder { get async throws { try await inner.responder } }
    var server: HTTPServerBuilder { inner.server }
    var eventLoopGroup: any EventLoopGroup { inner.eventLoopGroup }
    var configuration: ApplicationConfiguration {
        var configuration = inner.configuration
        configuration.address = .hostname("127.0.0.1", port: 0)
        return configuration
    }
    var logger: Logger { inner.logger }
    var services: [any Service] { inner.services }
    var processesRunBeforeServerStart: [@Sendable () async throws -> Void] { inner.processesRunBeforeServerStart }

    @Sendable func onServerRunning(_ channel: any Channel) async {
        await inner.onServerRunning(channel)
        if let port = channel.localAddress?.port { listening.yield(port) } else { listening.finish() }
    }
}

/// A response read off the wire: status line, header fields, and the (de-chunked) body.
struct LiveResponse: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var body: ByteBuffer
}

/// A minimal HTTP/1.1 client: one request per connection (`Connection: close`), blocking socket I/O
/// on a thread of its own so the server's tasks keep the cooperative pool.
struct LiveClient: Sendable {
    let port: UInt16

    /// Sends one request and hands the response to `check`; throws ``HTTPExchangeError`` when the
    /// exchange fails (refused, timed out, more than 16 MiB, unparseable).
    func execute<T>(
        uri: String, method: HTTPRequest.Method, headers: HTTPFields = [:], body: ByteBuffer? = nil,
        _ check: (LiveResponse) async throws -> T
    ) async throws -> T {
        var head = "\(method.rawValue) \(uri) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for field in headers { head += "\(field.name.rawName): \(field.value)\r\n" }
        let payload = body.map { Array($0.readableBytesView) } ?? []
        if body != nil { head += "Content-Length: \(payload.count)\r\n" }
        let request = Array((head + "\r\n").utf8) + payload
        let port = self.port
        let raw = try await withCheckedThrowingContinuation { (resume: CheckedContinuation<[UInt8], any Error>) in
            Thread.detachNewThread { resume.resume(with: Result { try exchange(port: port, request: request) }) }
        }
        return try await check(try parseResponse(raw, head: method == .head))
    }
}
