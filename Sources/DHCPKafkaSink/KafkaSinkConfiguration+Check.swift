import CRdKafka
#if canImport(Glibc)
import Glibc
#endif

/// A Kafka setting librdkafka refused, found by ``KafkaSinkConfiguration/librdkafkaProblems()``.
public struct KafkaPropertyProblem: Sendable, Equatable, CustomStringConvertible {
    /// The property the problem is about, or nil when librdkafka refused the combination and its
    /// message names no property.
    public let property: String?
    /// What is wrong and what to do, in librdkafka's words plus ours. Never holds a secret value.
    public let message: String

    /// Describes a problem.
    public init(property: String?, message: String) {
        self.property = property
        self.message = message
    }

    /// The message.
    public var description: String { message }
}

extension KafkaSinkConfiguration {
    /// Asks librdkafka itself whether it will ever accept these settings, the way the producer will
    /// use them: every property is set on a scratch configuration (unknown names and bad values),
    /// then a scratch producer is created from it and destroyed at once (what only the whole
    /// configuration shows: a CA file that does not exist, a SASL mechanism without its settings).
    ///
    /// The scratch producer gets no `bootstrap.servers`, so it opens no connection. Returns every
    /// refused property (empty when librdkafka accepts them all); the producer check runs only when
    /// each property was accepted on its own.
    public func librdkafkaProblems() -> [KafkaPropertyProblem] {
        let conf = KafkaConf()
        conf.silenceLog()
        var problems: [KafkaPropertyProblem] = []
        for (name, value) in effectiveProperties(masked: false) where name != "bootstrap.servers" {
            do { try conf.set(name, value) } catch { problems.append(KafkaPropertyProblem(property: name, message: error.message)) }
        }
        guard problems.isEmpty else { return problems }
        do {
            let client = try conf.makeClient(RD_KAFKA_PRODUCER, secrets: secretValues)
            rd_kafka_destroy(client)
        } catch {
            // librdkafka's text starts with the property it choked on ("ssl.ca.location failed: …").
            let named = properties.map(\.0).filter { error.message.contains($0) }.max { $0.count < $1.count }
            var message = error.message
            if let named, named.hasSuffix(".location"), let path = properties.last(where: { $0.0 == named })?.1,
                access(path, R_OK) != 0
            {
                message += " (\(path): \(String(cString: strerror(errno))))"
            }
            problems.append(KafkaPropertyProblem(
                property: named, message: message + ". Fix the setting (or the file it names) so that librdkafka accepts it."))
        }
        return problems
    }
}
