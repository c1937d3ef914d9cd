import CRdKafka
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The state librdkafka's C callbacks reach through the configuration opaque.
///
/// It is separate from ``KafkaProducer`` so that librdkafka never holds a reference to the producer:
/// the producer owns the context, destroys the `rd_kafka_t` first and releases the context last, so
/// every callback (including those run during `rd_kafka_destroy`) finds it alive.
final class ProducerCallbackContext: Sendable {
    struct State {
        var reports: [DeliveryReport] = []
        var brokerState: BrokerState = .unknown
        var lastConnectionError: String?
        /// Whether ``lastConnectionError`` was a refused login.
        var lastErrorWasAuthentication = false
        var localAddresses: [String] = []
    }

    let state = Mutex(State())
    let log: (@Sendable (KafkaLogRecord) -> Void)?
    let brokerStateChanged: (@Sendable (BrokerState) -> Void)?
    let secrets: [String]
    let sourceAddress: SourceAddress?

    init(
        log: (@Sendable (KafkaLogRecord) -> Void)?, brokerStateChanged: (@Sendable (BrokerState) -> Void)?,
        secrets: [String], sourceAddress: SourceAddress?
    ) {
        self.log = log
        self.brokerStateChanged = brokerStateChanged
        self.secrets = secrets
        self.sourceAddress = sourceAddress
    }

    /// Installs the callbacks and this context as the opaque on `conf`.
    func install(on conf: OpaquePointer) {
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(self).toOpaque())
        rd_kafka_conf_set_dr_msg_cb(conf, deliveryReportCallback)
        rd_kafka_conf_set_error_cb(conf, errorCallback)
        rd_kafka_conf_set_log_cb(conf, logCallback)
        if sourceAddress != nil { rd_kafka_conf_set_connect_cb(conf, connectCallback) }
    }

    static func from(_ opaque: UnsafeMutableRawPointer?) -> ProducerCallbackContext? {
        opaque.map { Unmanaged<ProducerCallbackContext>.fromOpaque($0).takeUnretainedValue() }
    }

    func emitLog(level: Int32, facility: String, message: String) {
        guard let log else { return }
        log(KafkaLogRecord(level: level, facility: facility, message: KafkaSinkConfiguration.masking(secrets, in: message)))
    }

    /// Moves to `newState`, calling the hook (outside the lock) only on a change.
    func transition(to newState: BrokerState) {
        let changed = state.withLock { state -> Bool in
            guard state.brokerState != newState else { return false }
            state.brokerState = newState
            return true
        }
        if changed { brokerStateChanged?(newState) }
    }

    func handleError(code: KafkaErrorCode, reason: String) {
        emitLog(level: code == .fatal ? 2 : 3, facility: "ERROR", message: "\(code.name): \(reason)")
        // The reasons carry "(after Nms in state …)", different every time: without it, the same
        // failure repeating is the same state and is reported once.
        let stable = KafkaLogLimiter.stableReason(reason)
        switch code {
        case .transport, .resolve, .ssl, .authentication:
            state.withLock {
                $0.lastConnectionError = stable
                $0.lastErrorWasAuthentication = code == .authentication
            }
            if code == .authentication { transition(to: .authenticationFailed(reason: stable)) }
        case .allBrokersDown:
            let (last, wasAuthentication) = state.withLock { ($0.lastConnectionError, $0.lastErrorWasAuthentication) }
            if wasAuthentication, let last {
                // Every broker is "down" because each refused the login: that is the state to show.
                transition(to: .authenticationFailed(reason: last))
            } else {
                transition(to: .down(reason: last.map { "\(stable); last error: \($0)" } ?? stable))
            }
        default:
            break
        }
    }
}

private func string(_ pointer: UnsafePointer<CChar>?) -> String {
    pointer.map { String(cString: $0) } ?? ""
}

/// `dr_msg_cb`: runs inside `rd_kafka_poll`/`rd_kafka_flush` on the caller's thread.
private let deliveryReportCallback:
    @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = {
        client, message, opaque in
        guard let message, let context = ProducerCallbackContext.from(opaque) else { return }
        let err = KafkaErrorCode(message.pointee.err)
        let token = UInt64(UInt(bitPattern: message.pointee._private))
        var failureClass: KafkaFailureClass?
        if err != .noError {
            var errstr = [CChar](repeating: 0, count: 256)
            let fatal = client.map { rd_kafka_fatal_error($0, &errstr, errstr.count) } ?? RD_KAFKA_RESP_ERR_NO_ERROR
            failureClass = fatal != RD_KAFKA_RESP_ERR_NO_ERROR ? .fatal : err.failureClass
        }
        let report = DeliveryReport(
            token: token, error: err == .noError ? nil : err, failureClass: failureClass,
            status: DeliveryStatus(rd_kafka_message_status(message)), partition: message.pointee.partition,
            offset: message.pointee.offset)
        // One lock for both: append, and note that brokers are up (the hook runs outside the lock).
        let becameUp = context.state.withLock { state -> Bool in
            state.reports.append(report)
            guard report.isDelivered, state.brokerState != .up else { return false }
            state.brokerState = .up
            return true
        }
        if becameUp { context.brokerStateChanged?(.up) }
    }

/// `error_cb`: runs inside `rd_kafka_poll` on the caller's thread.
private let errorCallback:
    @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = {
        _, err, reason, opaque in
        ProducerCallbackContext.from(opaque)?.handleError(code: KafkaErrorCode(rawValue: err), reason: string(reason))
    }

/// `log_cb`: runs on librdkafka's internal threads; must not call librdkafka (except `rd_kafka_opaque`).
private let logCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = {
    client, level, facility, message in
    guard let client, let context = ProducerCallbackContext.from(rd_kafka_opaque(client)) else { return }
    context.emitLog(level: level, facility: string(facility), message: string(message))
}

/// `connect_cb`: runs on a broker thread with the broker lock held; binds and connects the socket.
private let connectCallback:
    @convention(c) (Int32, UnsafePointer<sockaddr>?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Int32 = {
        fd, peer, peerLength, _, opaque in
        guard let peer, let context = ProducerCallbackContext.from(opaque), let source = context.sourceAddress else {
            return EINVAL
        }
        let rc = source.bindAndConnect(fd, to: peer, length: socklen_t(peerLength))
        if rc == 0, let local = SourceAddress.localName(of: fd) {
            context.state.withLock { state in
                state.localAddresses.append(local)
                if state.localAddresses.count > 16 { state.localAddresses.removeFirst() }
            }
        }
        return rc
    }
