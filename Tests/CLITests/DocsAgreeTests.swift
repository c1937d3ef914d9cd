import DHCPKafkaTestSupport
import Foundation
import Testing

/// The docs say what the code does: every `dhcpkafka …` command line in README.md and docs/*.md
/// uses only options its command has, and the unit and the README agree on installation.
@Suite struct DocsAgreeTests {
    static let documents = ["README.md"] + ((try? FileManager.default.contentsOfDirectory(
        atPath: TestPaths.repositoryRoot.appendingPathComponent("docs").path)) ?? []).filter { $0.hasSuffix(".md") }.sorted().map { "docs/" + $0 }

    static func text(_ relative: String) throws -> String {
        try String(contentsOf: TestPaths.repositoryRoot.appendingPathComponent(relative), encoding: .utf8)
    }

    /// Each `dhcpkafka WORDS… --option` in the docs (code spans and blocks, up to a comment or the end
    /// of the span), checked against `dhcpkafka WORDS… --help` (the longest prefix of WORDS that is a command).
    @Test func documentedOptionsExist() throws {
        var helps: [String: String?] = [:]
        func help(_ words: [String]) throws -> String? {
            let key = words.joined(separator: " ")
            if let known = helps[key] { return known }
            let result = try runProcess(TestPaths.dhcpkafka, words + ["--help"], timeout: 60)
            let text = result.status == 0 ? result.stdoutText : nil
            helps[key] = text
            return text
        }
        var checked = 0
        for document in Self.documents {
            for (number, line) in try Self.text(document).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                var rest = Substring(line)
                while let start = rest.range(of: "dhcpkafka ") {
                    // The command line: up to a closing backtick, a comment or a table cell's end.
                    let tail = rest[start.upperBound...]
                    let end = tail.firstIndex(where: { "`#|;(&>".contains($0) }) ?? tail.endIndex
                    let tokens = tail[..<end].split(separator: " ").map(String.init)
                    rest = tail[end...]
                    let candidateWords = Array(tokens.prefix { $0.range(of: "^[a-z][a-z-]*$", options: .regularExpression) != nil })
                    let options = tokens.filter { $0.hasPrefix("--") }.map { String($0.prefix { $0 != "=" && $0 != "]" && $0 != "," }) }
                    guard !candidateWords.isEmpty, !options.isEmpty else { continue }
                    var words = candidateWords
                    var usage: String?
                    while !words.isEmpty {
                        if let text = try help(words) { usage = text; break }
                        words.removeLast()
                    }
                    guard let usage else { continue }
                    for option in options where option.count > 2 && option != "--help" {
                        checked += 1
                        #expect(usage.contains(option), "\(document):\(number + 1): `dhcpkafka \(words.joined(separator: " "))` has no \(option)")
                    }
                }
            }
        }
        #expect(checked > 30, "the scan found the documented command lines (\(checked) options)")
    }

    /// The unit's Documentation= files are what the README installs; the README installs the
    /// config readable only by root and the daemon's group; the unit shows how to load credentials.
    @Test func unitAndReadmeAgree() throws {
        let unit = try Self.text("deploy/systemd/dhcpkafka.service")
        let readme = try Self.text("README.md")
        let documentation = try #require(unit.split(separator: "\n").first { $0.hasPrefix("Documentation=") })
        for url in documentation.dropFirst("Documentation=".count).split(separator: " ") {
            let name = try #require(url.split(separator: "/").last.map(String.init))
            #expect(url.hasPrefix("file:///usr/share/doc/dhcpkafka/"), "\(url)")
            let source = name == "README.md" ? name : "docs/" + name
            #expect(FileManager.default.fileExists(atPath: TestPaths.repositoryRoot.appendingPathComponent(source).path), "\(source)")
        }
        #expect(readme.contains("install -D -m 0644 -t /usr/share/doc/dhcpkafka README.md docs/*.md"))
        #expect(readme.contains("install -D -m 0640 -o root -g dhcpkafka deploy/dhcpkafka.conf /etc/dhcpkafka/dhcpkafka.conf"))
        #expect(!readme.contains("install -D -m 0644 deploy/dhcpkafka.conf"))
        // The config is installed after sysusers made its group.
        let sysusers = try #require(readme.range(of: "systemd-sysusers"))
        let config = try #require(readme.range(of: "deploy/dhcpkafka.conf /etc/dhcpkafka"))
        #expect(sysusers.lowerBound < config.lowerBound)
        #expect(unit.contains("#LoadCredential=kafka.properties:") && unit.contains("#LoadCredential=sasl.password:"))
        // The section the unit's comment points at exists.
        #expect(unit.contains("README.md (\"Running it in production\")") && readme.contains("## Running it in production"))
    }
}
