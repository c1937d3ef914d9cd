import CRdKafka

/// Owns an `rd_kafka_conf_t` until it is handed to `rd_kafka_new`, which takes ownership on success.
final class KafkaConf {
    private var handle: OpaquePointer?

    /// A fresh configuration object with librdkafka's defaults.
    init() { handle = rd_kafka_conf_new() }

    deinit { if let handle { rd_kafka_conf_destroy(handle) } }

    /// The handle, for `rd_kafka_conf_set_*_cb` calls. Valid until ``makeClient(_:)`` succeeds.
    var pointer: OpaquePointer? { handle }

    /// Drops librdkafka's own log lines (for scratch configurations that only validate settings).
    func silenceLog() {
        guard let handle else { return }
        rd_kafka_conf_set_log_cb(handle) { _, _, _, _ in }
    }

    /// Sets a property; the error names the property and carries librdkafka's errstr, but never the
    /// value of a secret property.
    func set(_ name: String, _ value: String) throws(KafkaConfigurationError) {
        guard let handle else { return }
        var errstr = [CChar](repeating: 0, count: 512)
        let result = rd_kafka_conf_set(handle, name, value, &errstr, errstr.count)
        guard result != RD_KAFKA_CONF_OK else { return }
        var reason = String(decoding: errstr.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if KafkaSinkConfiguration.isSecretProperty(name), !value.isEmpty {
            reason = reason.replacing(value, with: KafkaSinkConfiguration.mask)
        }
        let what = result == RD_KAFKA_CONF_UNKNOWN ? "Unknown Kafka property" : "Invalid value for Kafka property"
        throw KafkaConfigurationError(
            code: .invalidProperty, property: name, message: "\(what) '\(name)': \(reason). Fix or remove it in the configuration.")
    }

    /// Creates the client; on success the configuration belongs to it and this object is emptied.
    /// `secrets` are scrubbed from librdkafka's error text.
    func makeClient(_ type: rd_kafka_type_t, secrets: [String] = []) throws(KafkaConfigurationError) -> OpaquePointer {
        var errstr = [CChar](repeating: 0, count: 512)
        guard let handle, let client = rd_kafka_new(type, handle, &errstr, errstr.count) else {
            let reason = KafkaSinkConfiguration.masking(
                secrets, in: String(decoding: errstr.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            throw KafkaConfigurationError(
                code: .clientCreationFailed, message: "librdkafka refused the configuration: \(reason)")
        }
        self.handle = nil
        return client
    }
}
