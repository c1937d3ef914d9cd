import ArgumentParser
import DHCPKafkaConfig

/// `--capacity 1GiB`, `--max-in-flight-bytes 8M`: the same spellings as the config file.
extension ByteSize: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
}
