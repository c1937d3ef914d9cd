import Logging
import ServiceLifecycle

/// The ingest pipeline as a lifecycle service: runs until graceful shutdown (SIGTERM/SIGINT), then
/// stops reading the socket, commits what is pending, and returns.
public struct IngestService: Service {
    /// The pipeline this service runs.
    public let pipeline: IngestPipeline

    /// Wraps a pipeline that has not been started yet.
    public init(pipeline: IngestPipeline) {
        self.pipeline = pipeline
    }

    /// Starts the pipeline and waits for it to finish; throws when it stopped on an error.
    public func run() async throws {
        pipeline.start()
        try await withGracefulShutdownHandler {
            try await pipeline.waitUntilFinished()
        } onGracefulShutdown: {
            pipeline.requestStop()
        }
    }
}
