import Foundation

/// Where things are in the repository and build tree, for tests.
public enum TestPaths {
    /// The repository root (the directory holding Package.swift).
    public static let repositoryRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        // Tests/DHCPKafkaTestSupport/Paths.swift -> repository root
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    /// `Fixtures/` in the repository.
    public static var fixtures: URL { repositoryRoot.appendingPathComponent("Fixtures") }

    /// The directory holding the test bundle, where SwiftPM also puts the executables it built.
    public static let buildProducts: URL = {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = executable.deletingLastPathComponent()
        // On Linux the test runner is `<products>/DHCPKafkaPackageTests.xctest`; on macOS a bundle inside it.
        while dir.path != "/" && !FileManager.default.fileExists(atPath: dir.appendingPathComponent("dhcpkafka").path) {
            dir.deleteLastPathComponent()
        }
        return dir
    }()

    /// The built `dhcpkafka` executable.
    public static var dhcpkafka: URL { buildProducts.appendingPathComponent("dhcpkafka") }

    /// The Python interpreter of the project's venv (`DHCPKAFKA_PYTHON`, else `.venv/bin/python`),
    /// which has dhcpkit and dhcpkit-kafka installed by `make test`.
    public static var python: URL {
        if let path = ProcessInfo.processInfo.environment["DHCPKAFKA_PYTHON"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return repositoryRoot.appendingPathComponent(".venv/bin/python")
    }

    /// `Tests/interop-python/`: the oracle scripts built on dhcpkit-kafka.
    public static var interopScripts: URL { repositoryRoot.appendingPathComponent("Tests/interop-python") }

    /// The venv that ``python`` belongs to (`<venv>/bin/python` -> `<venv>`; the interpreter path
    /// is not resolved, since a venv's `python` is a symlink to the system interpreter).
    public static var venv: URL { python.deletingLastPathComponent().deletingLastPathComponent() }

    /// A directory holding only `librdkafka.so.1`, a symlink to the librdkafka 2.16 bundled in the
    /// confluent-kafka wheel (`DHCPKAFKA_LIBRDKAFKA_RUNTIME`, else `<venv>/librdkafka-runtime`, made
    /// by `.ci/bootstrap`). Debian bookworm's librdkafka 2.0.2, which our code links, cannot talk to
    /// tansu; a child process started with ``librdkafkaRuntimeEnvironment`` loads 2.16 instead.
    public static var librdkafkaRuntime: URL {
        if let path = ProcessInfo.processInfo.environment["DHCPKAFKA_LIBRDKAFKA_RUNTIME"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return venv.appendingPathComponent("librdkafka-runtime")
    }

    /// Environment for a child process (one of our executables) that should run with the librdkafka in
    /// ``librdkafkaRuntime`` instead of Debian's: `LD_LIBRARY_PATH` with that directory first. The
    /// library cannot be swapped inside an already running process, such as the test runner.
    public static var librdkafkaRuntimeEnvironment: [String: String] {
        let inherited = ProcessInfo.processInfo.environment["LD_LIBRARY_PATH"] ?? ""
        let path = librdkafkaRuntime.path
        return ["LD_LIBRARY_PATH": inherited.isEmpty ? path : path + ":" + inherited]
    }

    /// The built `sink-probe` executable (Tests/SinkProbe): produces records with `KafkaProducer`.
    public static var sinkProbe: URL { buildProducts.appendingPathComponent("sink-probe") }
}
