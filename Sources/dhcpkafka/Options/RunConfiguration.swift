import ArgumentParser
import DHCPKafkaConfig
import DHCPKafkaDaemon
import DHCPKafkaRuntime
import DHCPKafkaSpool
import Foundation

/// How `run`'s options and config file resolve into the one ``DaemonConfiguration`` it hands over.
extension RunCommand {
    /// The command as the options and the config file (settings under the options) give it, and
    /// where SIGHUP reads the file again. Prints what is wrong and exits 2 when anything is.
    func resolved(arguments: [String]) throws -> (RunCommand, ReloadSource?) {
        var command = self
        var reload: ReloadSource?
        var given = ConfigResolution.longOptions(in: arguments)
        if let config {
            do throws(ConfigError) {
                let effective: EffectiveConfiguration
                (command, effective) = try ConfigResolution.resolve(Self.self, file: config, command: .run, arguments: arguments)
                reload = ReloadSource(resolver: RunConfigurationResolver(path: config, arguments: arguments), effective: effective)
                given.formUnion(ConfigResolution.fileOptions(effective))
            } catch {
                printError("dhcpkafka run: invalid configuration\n\(error.description)")
                throw ExitCode(ExitStatus.invalidConfiguration)
            }
        } else {
            let problems = settingProblems()
            if !problems.isEmpty {
                printError("dhcpkafka run: invalid options\n\(SettingProblems(problems).description)")
                throw ExitCode(ExitStatus.invalidConfiguration)
            }
        }
        if let refusal = Self.refusalOfBuiltInPaths(given: given, config: config) {
            printError("dhcpkafka run: \(refusal)")
            throw ExitCode(ExitStatus.invalidConfiguration)
        }
        return (command, reload)
    }

    /// The daemon's configuration for these settings: the worker's part (no Kafka properties: it
    /// never talks to Kafka), the forwarder child (its properties in its environment, never on a
    /// command line) and the reload source.
    func daemonConfiguration(reload: ReloadSource?) throws(SettingProblems) -> DaemonConfiguration {
        let worker = IngestWorkerConfiguration(
            ingest: try ingestConfiguration(), spoolPath: spoolOptions.spool,
            spool: SpoolOptions(capacityBytes: capacity.bytes, maxFrames: maxFrames, durability: durability.value),
            metricsListen: metricsListen, inFlightWindowFrames: noForward ? 0 : forward.maxInFlightFrames,
            logLevel: logLevel, configPath: reload?.resolver.path)
        let executable = SelfExecutable.url.path
        let forwarder = noForward ? nil : ForwarderLaunch(
            command: .init(
                executable: executable,
                arguments: ["forward", "--spool", spoolOptions.spool, "--log-level", logLevel, "--exit-with-parent"] + forward.arguments,
                environment: forward.childEnvironment),
            properties: ((try? forward.propertySettings()) ?? []).map(\.assignment))
        return DaemonConfiguration(worker: worker, executable: executable, forwarder: forwarder, reload: reload)
    }

    /// The built-in socket and spool paths (`var/dhcpkafka.sock`, `var/spool`) are relative to the
    /// working directory and meant for a development checkout. Elsewhere (a service started from
    /// `/`, an operator in their home directory) they would put the spool somewhere nobody meant,
    /// even into the system's `/var/spool`, so `run` needs both paths said (option or config file)
    /// unless it runs in a checkout. Returns why it refuses, or `nil`.
    static func refusalOfBuiltInPaths(given: Set<String>, config: String?, directory: String = FileManager.default.currentDirectoryPath)
        -> String?
    {
        let missing = [("--spool", "<spool> path", "/var/lib/dhcpkafka/spool"), ("--socket", "<socket> path", IngestConfiguration.productionSocketPath)]
            .filter { !given.contains($0.0) }
        guard !missing.isEmpty, !isDevelopmentCheckout(directory) else { return nil }
        let names = missing.map { "\($0.0) (e.g. \($0.2))" }.joined(separator: " and ")
        let place = config.map { "set \(missing.map(\.1).joined(separator: " and ")) in \($0) or pass " } ?? "pass "
        return "no \(missing.map { $0.0.dropFirst(2) }.joined(separator: " or ")) path given; the built-in defaults are relative "
            + "to the working directory (\(directory)) and only used in a development checkout; \(place)\(names)"
    }

    /// Whether `directory` is a checkout of this project (its Package.swift and Sources/dhcpkafka).
    static func isDevelopmentCheckout(_ directory: String) -> Bool {
        FileManager.default.fileExists(atPath: directory + "/Package.swift")
            && FileManager.default.fileExists(atPath: directory + "/Sources/dhcpkafka")
    }

    /// Everything `run` checks before it starts anything: the socket settings and, unless
    /// `--no-forward`, the Kafka settings (by librdkafka itself).
    func settingProblems() -> [SettingProblem] {
        var problems: [SettingProblem] = []
        do throws(SettingProblems) { _ = try ingestConfiguration() } catch { problems += error.problems }
        if let metricsListen, ConfigValueType.listenAddress.normalize(metricsListen) == nil {
            problems.append(SettingProblem(
                "--metrics-listen", "'\(metricsListen.prefix(80))' is not an address to listen on; use \(ConfigValueType.listenAddress.allowed), like 127.0.0.1:9464"))
        }
        if !noForward {
            do throws(SettingProblems) { _ = try forward.configuration() } catch { problems += error.problems }
        }
        return problems
    }


    /// The socket settings, checked (mode, group); `check-config` uses this too.
    func ingestConfiguration() throws(SettingProblems) -> IngestConfiguration {
        var problems: [SettingProblem] = []
        let mode = UInt32(socketMode, radix: 8).flatMap { $0 <= 0o777 ? $0 : nil }
        if mode == nil { problems.append(SettingProblem("--socket-mode", "must be an octal file mode like 0660, not '\(socketMode.prefix(20))'")) }
        var group: UInt32?
        if let socketGroup {
            group = Self.resolveGroup(socketGroup)
            if group == nil {
                problems.append(SettingProblem(
                    "--socket-group", "there is no group named '\(socketGroup.prefix(64))'; create it (groupadd \(socketGroup.prefix(64))) or name an existing group"))
            }
        }
        guard let mode, problems.isEmpty else { throw SettingProblems(problems) }
        return IngestConfiguration(
            socketPath: socket, socketMode: mode, socketGroup: group,
            senders: SenderPolicy(allowedUIDs: Set(allowUIDs), allowedGIDs: Set(allowGIDs)),
            shutdownTimeout: .milliseconds(Int64(forward.shutdownTimeout * 1000)))
    }

    private static func resolveGroup(_ name: String) -> UInt32? {
        if let gid = UInt32(name) { return gid }
        return getgrnam(name)?.pointee.gr_gid
    }
}

/// `run`'s resolution again, for SIGHUP: the file's new text under the same command line.
struct RunConfigurationResolver: DaemonConfigurationResolver {
    /// The config file.
    let path: String
    /// The real command line after `run` (its options keep overriding the file).
    let arguments: [String]

    func effective(text: String) throws(ConfigError) -> EffectiveConfiguration {
        try ConfigResolution.resolve(RunCommand.self, file: path, text: text, command: .run, arguments: arguments).1
    }

    func configuration(for effective: EffectiveConfiguration) throws(ConfigError) -> DaemonConfiguration {
        let command = try ConfigResolution.command(RunCommand.self, effective: effective, arguments: arguments, path: path, command: .run)
        do throws(SettingProblems) {
            return try command.daemonConfiguration(reload: ReloadSource(resolver: self, effective: effective))
        } catch {
            throw ConfigError(error.issues(effective: effective))
        }
    }

    func masked(_ key: ConfigKey, _ value: String) -> String { ConfigResolution.masked(key, value) }
}
