/// The partition of a keyed record as Kafka's Java producer (its default partitioner) and
/// librdkafka's `murmur2_random` partitioner choose it: `toPositive(murmur2(key)) % partitions`.
///
/// The forwarder's producer runs with `partitioner=murmur2_random`, so records with the same key
/// land in the same partition as a Java producer's records with that key. The startup scan
/// (`DeduplicationScan` in the forwarder) uses this function to tell whether a record found in
/// Kafka still sits where its key maps today, i.e. whether the partition count changed since it
/// was produced.
public enum KafkaPartitioner {
    /// Kafka's `Utils.murmur2`: MurmurHash2, 32 bits, seed `0x9747b28c`, as a signed Java `int`.
    public static func murmur2<Bytes: Collection<UInt8>>(_ data: Bytes) -> Int32 {
        let m: UInt32 = 0x5bd1_e995
        let bytes = Array(data)
        let length = bytes.count
        var h: UInt32 = 0x9747_b28c ^ UInt32(truncatingIfNeeded: length)
        var i = 0
        while i + 4 <= length {
            var k = UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
            k &*= m
            k ^= k >> 24
            k &*= m
            h &*= m
            h ^= k
            i += 4
        }
        let rest = length & 3
        if rest == 3 { h ^= UInt32(bytes[i + 2]) << 16 }
        if rest >= 2 { h ^= UInt32(bytes[i + 1]) << 8 }
        if rest >= 1 {
            h ^= UInt32(bytes[i])
            h &*= m
        }
        h ^= h >> 13
        h &*= m
        h ^= h >> 15
        return Int32(bitPattern: h)
    }

    /// The partition for `key` among `partitions` (> 0): Java's
    /// `Utils.toPositive(Utils.murmur2(key)) % numPartitions`. nil for a null key (the Java
    /// producer and `murmur2_random` place those at random) or no partitions.
    public static func partition(forKey key: [UInt8]?, partitions: Int) -> Int32? {
        guard let key, partitions > 0 else { return nil }
        let positive = murmur2(key) & 0x7fff_ffff
        return positive % Int32(partitions)
    }
}
