import ServiceLifecycle

/// The forwarder as a lifecycle service: runs until graceful shutdown, then flushes and returns.
public struct ForwarderService: Service {
    /// The forwarder this service runs.
    public let forwarder: Forwarder

    /// Wraps a forwarder that has not been started yet.
    public init(forwarder: Forwarder) {
        self.forwarder = forwarder
    }

    /// Starts the forwarder and waits for it to finish; throws when it stopped on an error.
    public func run() async throws {
        forwarder.start()
        try await withGracefulShutdownHandler {
            try await forwarder.waitUntilFinished()
        } onGracefulShutdown: {
            forwarder.requestStop()
        }
    }
}
