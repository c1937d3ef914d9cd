import DHCPKafkaRuntime
import Foundation
import Logging
import Synchronization

/// The ingest worker's end of the control channel its supervising parent opens for it (one end of
/// a `SOCK_SEQPACKET` socket pair; one message is one ``IngestWorkerConfiguration`` as JSON).
/// After each reload that parsed, the parent sends the worker its new configuration and the worker
/// applies what can change while it runs: the log level. The worker never reads the config file.
public final class WorkerControl: BlockingWorker, @unchecked Sendable {
    /// The variable naming the worker's descriptor of the channel.
    public static let descriptorVariable = "DHCPKAFKA_CONTROL_FD"

    private let descriptor: Int32
    private let apply: @Sendable (IngestWorkerConfiguration) -> Void
    private let logger: Logger
    private let stopping = Atomic<Bool>(false)
    private let finished = Gate()

    /// The channel named in this process's environment (the variable is removed, so no child of the
    /// worker inherits the number), or `nil` when there is none. `apply` gets each configuration.
    public static func fromEnvironment(
        logger: Logger, apply: @escaping @Sendable (IngestWorkerConfiguration) -> Void
    ) -> WorkerControl? {
        guard let text = ProcessInfo.processInfo.environment[descriptorVariable], let fd = Int32(text), fd > 2 else { return nil }
        unsetenv(descriptorVariable)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        return WorkerControl(descriptor: fd, logger: logger, apply: apply)
    }

    init(descriptor: Int32, logger: Logger, apply: @escaping @Sendable (IngestWorkerConfiguration) -> Void) {
        self.descriptor = descriptor
        self.logger = logger
        self.apply = apply
    }

    deinit { close(descriptor) }

    /// Starts reading the channel on a thread of its own.
    public func start() {
        Thread.detachNewThread { [self] in
            loop()
            finished.open()
        }
    }

    /// Stops reading (within a quarter of a second).
    public func requestStop() { stopping.store(true, ordering: .relaxed) }

    /// Returns once the reading thread ended.
    public func waitUntilFinished() async { await finished.wait() }

    private func loop() {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var open = true
        while !stopping.load(ordering: .relaxed) {
            guard open else {
                // The parent closed its end (it replaced or is stopping this worker): wait for the stop.
                usleep(250_000)
                continue
            }
            var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&entry, 1, 250)
            if ready == 0 || (ready < 0 && errno == EINTR) { continue }
            let count = ready < 0 ? -1 : recv(descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            if count <= 0 {
                if count < 0 {
                    logger.error("cannot read the control channel from the supervising parent; reloads reach this worker no more",
                                 metadata: ["error": "\(String(cString: strerror(errno)))"])
                }
                open = false
                continue
            }
            do throws(SupervisorError) {
                apply(try IngestWorkerConfiguration.decode(String(decoding: buffer[..<count], as: UTF8.self)))
            } catch {
                logger.error("\(error.description)")
            }
        }
    }
}
