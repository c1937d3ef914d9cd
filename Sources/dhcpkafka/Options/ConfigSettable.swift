import ArgumentParser
import DHCPKafkaConfig

/// A command whose options the config file sets directly: each key's values (already checked
/// against the schema) go into the option the key names, with the option's own conversion
/// (`init?(argument:)`), so the file and the command line mean the same and no command line is
/// rebuilt from the file.
protocol ConfigSettable: ParsableArguments {
    /// Sets the option of `key` to the file's `values`; throws when this command has no such
    /// option or refuses the value.
    mutating func set(_ key: ConfigKey, to values: [String]) throws(OptionRefusal)
}

/// Why an option refused a value from the config file (the key is added by the caller).
struct OptionRefusal: Error {
    let message: String
    /// The command has no option for the key (an older build than the file was written for).
    var unsupported = false
    init(_ message: String) { self.message = message }

    /// The option of `key` does not exist in `command`.
    static func unsupported(_ key: ConfigKey, by command: String) -> OptionRefusal {
        var refusal = OptionRefusal("is not supported by this build of `dhcpkafka \(command)` (it has no \(key.option) option); remove it")
        refusal.unsupported = true
        return refusal
    }

    /// The problem at `line` of the file at `path`, naming `key`.
    func issue(_ key: ConfigKey, path: String, line: Int) -> ConfigIssue {
        ConfigIssue(.rejected, path: path, line: line, unsupported ? "\(key) \(message)" : "\(key): \(message)")
    }
}

extension ConfigKey {
    /// The last of `values` (a single-valued key), converted as its option converts it.
    func value<T: ExpressibleByArgument>(_ values: [String], as _: T.Type = T.self) throws(OptionRefusal) -> T {
        guard let text = values.last, let value = T(argument: text) else {
            throw OptionRefusal("'\(values.last?.prefix(80) ?? "")' is not a valid value for \(option)")
        }
        return value
    }

    /// Every one of `values` (a repeatable key), converted as its option converts them.
    func values<T: ExpressibleByArgument>(_ values: [String], as _: T.Type = T.self) throws(OptionRefusal) -> [T] {
        var converted: [T] = []
        for text in values {
            guard let value = T(argument: text) else { throw OptionRefusal("'\(text.prefix(80))' is not a valid value for \(option)") }
            converted.append(value)
        }
        return converted
    }
}

extension ForwardOptions {
    /// Sets the forwarding option of `key`; false when `key` is not one of them.
    mutating func set(_ key: ConfigKey, to values: [String]) throws(OptionRefusal) -> Bool {
        switch key.option {
        case "--broker": brokers = values
        case "--topic": topic = try key.value(values)
        case "--server-name": serverName = try key.value(values, as: String.self)
        case "--source-address": sourceAddress = try key.value(values, as: String.self)
        case "--kafka-property": kafkaProperties = values
        case "--kafka-property-file": kafkaPropertyFiles = values
        case "--key": self.key = try key.value(values)
        case "--max-in-flight-frames": maxInFlightFrames = try key.value(values)
        case "--max-in-flight-bytes": maxInFlightBytes = try key.value(values)
        case "--backoff-min": backoffMin = try key.value(values)
        case "--backoff-max": backoffMax = try key.value(values)
        case "--on-destination-error": onDestinationError = try key.value(values)
        case "--message-timeout": messageTimeout = try key.value(values)
        case "--shutdown-timeout": shutdownTimeout = try key.value(values)
        default: return false
        }
        return true
    }
}

extension RunCommand: ConfigSettable {
    mutating func set(_ key: ConfigKey, to values: [String]) throws(OptionRefusal) {
        switch key.option {
        case "--socket": socket = try key.value(values)
        case "--socket-mode": socketMode = try key.value(values)
        case "--socket-group": socketGroup = try key.value(values, as: String.self)
        case "--allow-uid": allowUIDs = try key.values(values)
        case "--allow-gid": allowGIDs = try key.values(values)
        case "--spool": spoolOptions.spool = try key.value(values)
        case "--capacity": capacity = try key.value(values)
        case "--max-frames": maxFrames = try key.value(values, as: Int.self)
        case "--durability": durability = try key.value(values)
        case "--log-level": logLevel = try key.value(values)
        case "--metrics-listen": metricsListen = try key.value(values, as: String.self)
        default: if try !forward.set(key, to: values) { throw .unsupported(key, by: "run") }
        }
    }
}

extension ForwardCommand: ConfigSettable {
    mutating func set(_ key: ConfigKey, to values: [String]) throws(OptionRefusal) {
        switch key.option {
        case "--spool": location.spool = try key.value(values)
        case "--log-level": logLevel = try key.value(values)
        default: if try !options.set(key, to: values) { throw .unsupported(key, by: "forward") }
        }
    }
}
