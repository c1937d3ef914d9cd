import DHCPKafkaTestSupport
import Foundation
import Testing

/// The test network itself: namespaces come up with usable addresses and are gone after `close()`.
@Suite struct NetworkHarnessTests {
    @Test func namespacesComeUpAndAreRemoved() throws {
        let network = try DHCPTestNetwork()
        let names = [network.server, network.client, network.relay]
        let clientAddress = try network.linkLocalAddress(in: network.client, interface: DHCPTestNetwork.clientInterface)
        #expect(clientAddress.hasPrefix("fe80::"))
        let logs = try TemporaryDirectory(prefix: "dk-netns")
        defer { logs.remove() }
        // The listener says when it is bound; the datagram is sent only then (a datagram sent
        // before the bind is lost, and no fixed sleep is long enough on a loaded machine).
        let listener = try network.start(
            in: network.server, "/usr/bin/python3",
            ["-c", "import socket, sys; s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); "
                + "s.bind(('\(DHCPTestNetwork.serverRelayAddress)', 5547)); print('bound', flush=True); s.settimeout(60); "
                + "print('received', s.recvfrom(100)[0].decode(), flush=True)"],
            logPath: logs.appending("listener.log"))
        #expect(waitUntil(timeout: 60) { listener.log.contains("bound") || !listener.process.isRunning },
                "the listener binds in the server namespace")
        let sent = try network.run(
            in: network.relay, "/usr/bin/python3",
            ["-c", "import socket; socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).sendto(b'hello', ('\(DHCPTestNetwork.serverRelayAddress)', 5547))"])
        #expect(sent.status == 0, "\(sent.stderrText)")
        #expect(listener.wait(timeout: 90) == 0, "the server namespace receives a datagram from the relay namespace: \(listener.log)")
        #expect(listener.log.contains("received hello"), "\(listener.log)")
        let sleeper = try network.start(in: network.server, "/usr/bin/sleep", ["600"], logPath: logs.appending("sleep.log"))
        network.close()
        #expect(sleeper.wait(timeout: 60) != nil, "processes left in the namespaces are killed")
        let listed = try runProcess(URL(fileURLWithPath: "/usr/sbin/ip"), ["netns", "list"]).stdoutText
        for name in names { #expect(!listed.contains(name), "\(name) is deleted") }
        // Its children logged to /dev/null: it must still be the device (the helper once replaced it).
        #expect(HostDeviceNodes.damaged().isEmpty, "\(HostDeviceNodes.damaged())")
    }

    /// Children of the tests start with only SIGCHLD blocked (see `withUnblockedSignals`): test
    /// threads block most signals, and a DHCP server that inherited that would ignore SIGTERM.
    @Test func childrenStartWithSignalsUnblocked() throws {
        let shown = try runProcess(URL(fileURLWithPath: "/usr/bin/grep"), ["SigBlk", "/proc/self/status"])
        let sigchld = String(format: "%016llx", UInt64(1) << UInt64(SIGCHLD - 1))
        #expect(shown.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines) == "SigBlk:\t\(sigchld)")
        let directory = try TemporaryDirectory(prefix: "dk-sigmask")
        defer { directory.remove() }
        let child = try ChildProcess(
            URL(fileURLWithPath: "/usr/bin/sleep"), ["600"], logPath: directory.appending("sleep.log"))
        child.signal(SIGTERM)
        #expect(child.wait(timeout: 60) != nil, "SIGTERM ends a child that did not block it")
    }

    /// Commands in the namespaces start with an empty signal mask, SIGCHLD included, as under init.
    @Test func namespaceCommandsStartWithAnEmptySignalMask() throws {
        let network = try DHCPTestNetwork()
        defer { network.close() }
        let shown = try network.run(in: network.server, "/usr/bin/grep", ["SigBlk", "/proc/self/status"])
        #expect(shown.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines) == "SigBlk:\t0000000000000000")
    }
}
