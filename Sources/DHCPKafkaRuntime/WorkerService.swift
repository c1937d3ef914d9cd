import ServiceLifecycle

/// Something that runs on its own threads until asked to stop: the ingest pipeline, the forwarder.
public protocol BlockingWorker: Sendable {
    /// Starts the worker's threads.
    func start()
    /// Asks it to finish what it is doing and stop.
    func requestStop()
    /// Waits until it stopped; throws what stopped it if it was an error.
    func waitUntilFinished() async throws
}

/// A ``BlockingWorker`` as a lifecycle service: runs until graceful shutdown (SIGTERM/SIGINT) or
/// cancellation, then asks the worker to stop and waits for it. Throws when the worker stopped on
/// an error, which shuts the rest of the service group down.
///
/// Cancellation matters as much as graceful shutdown: when another service of the group throws,
/// the group cancels the rest without running their graceful-shutdown handlers, and a worker that
/// only listened for those would keep the process alive, doing nothing, for ever.
public struct WorkerService<Worker: BlockingWorker>: Service {
    /// The worker this service runs.
    public let worker: Worker

    /// Wraps a worker that has not been started yet.
    public init(_ worker: Worker) {
        self.worker = worker
    }

    /// Starts the worker and waits for it to finish.
    public func run() async throws {
        worker.start()
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await worker.waitUntilFinished()
            } onGracefulShutdown: {
                worker.requestStop()
            }
        } onCancel: {
            worker.requestStop()
        }
    }
}
