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
}
