import Hummingbird
import JSONValue
import LookingGlassStore

/// `GET /api/stream`: Server-Sent Events, one `data:` line of JSON per stored transaction
/// (the fields of `/api/transactions`), plus a comment every 15 s to keep proxies from closing it.
enum LiveStream {
    static func response(_ feed: LiveFeed) throws -> Response {
        guard let stream = feed.subscribe() else {
            throw HTTPError(.serviceUnavailable, message: "Too many live-tail clients; try again later.")
        }
        let body = ResponseBody { writer in
            try await writer.write(ByteBuffer(string: ": dhcpkafka looking glass live tail\n\n"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                let (events, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(256))
                group.addTask {
                    for await transaction in stream { continuation.yield("data: " + Format.json(transaction).compactText + "\n\n") }
                    continuation.finish()
                }
                group.addTask {
                    while !Task.isCancelled {
                        try await Task.sleep(for: .seconds(15))
                        continuation.yield(": keep-alive\n\n")
                    }
                }
                for await event in events { try await writer.write(ByteBuffer(string: event)) }
                group.cancelAll()
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"], body: body)
    }
}
