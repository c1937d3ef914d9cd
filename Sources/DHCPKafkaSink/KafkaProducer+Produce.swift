import CRdKafka

extension KafkaProducer {
    /// Queues one record for the configured topic with `rd_kafka_produceva` (`RD_KAFKA_MSG_F_COPY`,
    /// partitioner-chosen partition). The bytes are copied before it returns.
    ///
    /// - Parameters:
    ///   - value: the record value (DHCP frames are never empty; librdkafka may store an empty buffer
    ///     without a base address as a null value).
    ///   - key: the record key, or nil for none (the partitioner then picks a random partition).
    ///   - headers: record headers in order; names are C strings (stop at a NUL byte).
    ///   - timestamp: the record timestamp in ms since the Unix epoch; 0 means "now".
    ///   - token: returned in this record's ``DeliveryReport`` (it is the `msg_opaque`).
    /// - Returns: ``ProduceOutcome/accepted`` (one report will follow), ``ProduceOutcome/queueFull``,
    ///   or ``ProduceOutcome/failed(_:)``, for example `MSG_SIZE_TOO_LARGE` when the record exceeds
    ///   `message.max.bytes` (librdkafka checks this before queueing). librdkafka 2.0.2 also remembers
    ///   a topic-level error from a Produce response (such as `TOPIC_AUTHORIZATION_FAILED`) and
    ///   refuses records for the topic here, with that code, until its next metadata refresh.
    public func produce(
        value: UnsafeRawBufferPointer, key: [UInt8]? = nil, headers: [(String, [UInt8])] = [],
        timestamp: Int64 = 0, token: UInt64
    ) -> ProduceOutcome {
        guard let handle else {
            return .failed(KafkaError(code: .destroy, message: "The Kafka producer is closed"))
        }
        guard let recordHeaders = makeHeaders(headers) else {
            return .failed(KafkaError(code: .invalidArgument, message: "Could not build the record headers"))
        }
        return withOptionalBytes(key) { keyBytes in
            produce(handle: handle, value: value, key: keyBytes, headers: recordHeaders, timestamp: timestamp, token: token)
        }
    }

    /// Queues one record whose headers `addHeaders` adds to a header list (return false to give up);
    /// otherwise the same as ``produce(value:key:headers:timestamp:token:)``, without allocating
    /// Swift arrays per record.
    public func produce(
        value: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer?, timestamp: Int64 = 0, token: UInt64,
        headerCount: Int, addHeaders: (KafkaHeaderList) -> Bool
    ) -> ProduceOutcome {
        guard let handle else {
            return .failed(KafkaError(code: .destroy, message: "The Kafka producer is closed"))
        }
        guard let list = rd_kafka_headers_new(max(headerCount, 1)) else {
            return .failed(KafkaError(code: .invalidArgument, message: "Could not build the record headers"))
        }
        guard addHeaders(KafkaHeaderList(list: list)) else {
            rd_kafka_headers_destroy(list)
            return .failed(KafkaError(code: .invalidArgument, message: "Could not build the record headers"))
        }
        return produce(handle: handle, value: value, key: key, headers: list, timestamp: timestamp, token: token)
    }

    private func produce(
        handle: OpaquePointer, value: UnsafeRawBufferPointer, key keyBytes: UnsafeRawBufferPointer?,
        headers recordHeaders: OpaquePointer, timestamp: Int64, token: UInt64
    ) -> ProduceOutcome {
        let error: OpaquePointer? = configuration.topic.withCString { topic in
            withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 8) { buffer in
                let items = buffer.baseAddress!
                items.initialize(repeating: rd_kafka_vu_t(), count: 8)
                if let topicHandle {
                    items[0].vtype = RD_KAFKA_VTYPE_RKT
                    items[0].u.rkt = topicHandle
                } else {
                    items[0].vtype = RD_KAFKA_VTYPE_TOPIC
                    items[0].u.cstr = topic
                }
                items[1].vtype = RD_KAFKA_VTYPE_PARTITION
                items[1].u.i32 = -1  // RD_KAFKA_PARTITION_UA
                items[2].vtype = RD_KAFKA_VTYPE_MSGFLAGS
                items[2].u.i = RD_KAFKA_MSG_F_COPY
                items[3].vtype = RD_KAFKA_VTYPE_VALUE
                items[3].u.mem.ptr = UnsafeMutableRawPointer(mutating: value.baseAddress)
                items[3].u.mem.size = value.count
                items[4].vtype = RD_KAFKA_VTYPE_OPAQUE
                items[4].u.ptr = UnsafeMutableRawPointer(bitPattern: UInt(truncatingIfNeeded: token))
                items[5].vtype = RD_KAFKA_VTYPE_TIMESTAMP
                items[5].u.i64 = timestamp
                items[6].vtype = RD_KAFKA_VTYPE_HEADERS
                items[6].u.headers = recordHeaders
                var count = 7
                if let keyBytes {
                    items[7].vtype = RD_KAFKA_VTYPE_KEY
                    items[7].u.mem.ptr = UnsafeMutableRawPointer(mutating: keyBytes.baseAddress)
                    items[7].u.mem.size = keyBytes.count
                    count = 8
                }
                return rd_kafka_produceva(handle, items, count)
            }
        }
        guard let error else { return .accepted }
        // On failure the headers still belong to us (librdkafka takes them only on success).
        rd_kafka_headers_destroy(recordHeaders)
        let failure = KafkaError.consuming(error, context: "Kafka refused a record for topic '\(configuration.topic)'")
        if failure.code == .queueFull { return .queueFull }
        return .failed(failure)
    }

    /// Queues one record held in an array; otherwise the same as the `UnsafeRawBufferPointer` variant.
    public func produce(
        value: [UInt8], key: [UInt8]? = nil, headers: [(String, [UInt8])] = [], timestamp: Int64 = 0,
        token: UInt64
    ) -> ProduceOutcome {
        value.withUnsafeBytes { produce(value: $0, key: key, headers: headers, timestamp: timestamp, token: token) }
    }

    private func makeHeaders(_ headers: [(String, [UInt8])]) -> OpaquePointer? {
        guard let list = rd_kafka_headers_new(max(headers.count, 1)) else { return nil }
        for (name, value) in headers {
            let err = value.withUnsafeBytes { bytes in
                rd_kafka_header_add(list, name, -1, bytes.baseAddress, bytes.count)
            }
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                rd_kafka_headers_destroy(list)
                return nil
            }
        }
        return list
    }
}

private func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
    guard let bytes else { return body(nil) }
    return bytes.withUnsafeBytes { body($0) }
}

/// A librdkafka header list being filled for one record.
public struct KafkaHeaderList {
    let list: OpaquePointer

    /// Adds a header (the name up to its first NUL byte); false when librdkafka refuses.
    public func add(_ name: StaticString, _ value: UnsafeRawBufferPointer) -> Bool {
        name.withUTF8Buffer { nameBytes in
            nameBytes.withMemoryRebound(to: CChar.self) { n in
                rd_kafka_header_add(list, n.baseAddress, n.count, value.baseAddress, value.count) == RD_KAFKA_RESP_ERR_NO_ERROR
            }
        }
    }
}
