import DHCPKafkaSpool
import DHCPKafkaTestSupport
import Foundation
import Testing

@Suite("Spool across processes")
struct SpoolProcessTests {
    @Test("a second writer in the same process is refused")
    func secondWriterInProcess() throws {
        let dir = try TemporaryDirectory()
        let path = dir.appending("spool")
        let first = try Spool.open(at: path)
        let error = spoolError { _ = try Spool.open(at: path) }
        #expect(error?.code == .heldByAnotherWriter)
        #expect(error?.message.contains("held by pid \(getpid())") == true)
        try first.close()
        _ = try Spool.open(at: path)
    }

    @Test("a second writer is refused with the holder's pid; readers work while it writes")
    func secondWriterOtherProcess() throws {
        let dir = try TemporaryDirectory()
        let path = dir.appending("spool")
        try Spool.open(at: path).close()
        // A process another test spawns may share the lock's file description until it execs.
        #expect(waitUntil(timeout: 30) { Spool.writerPid(at: path) == nil }, "the lock is released")
        let child = try TortureChild(["hold-writer", path])
        defer { child.kill() }
        #expect(child.waitUntilReady())
        let error = spoolError { _ = try Spool.open(at: path) }
        #expect(error?.code == .heldByAnotherWriter)
        #expect(error?.message == "spool at \(path) is held by pid \(child.pid) (dhcpkafka run?); stop it "
            + "first or use another --spool directory")
        let reader = try Spool.openReadOnly(at: path)
        #expect(try reader.stats().nextSequence == 1)
        #expect(spoolError { _ = try reader.append(makeBatch(count: 1, size: 1)) }?.code == .readOnly)
        child.kill()
        _ = try Spool.open(at: path)
    }

    @Test("a read-only reader sees a live writer's commits")
    func readerWhileWriting() throws {
        let dir = try TemporaryDirectory()
        let path = dir.appending("spool")
        let writer = try Spool.open(at: path, options: SpoolOptions(capacityBytes: 1 << 20, durability: .noMetaSync))
        let reader = try Spool.openReadOnly(at: path)
        for i in 1...5 {
            _ = try writer.append(makeBatch(count: 10, size: 50), counterDeltas: ["rejected.short": 1])
            let stats = try reader.stats()
            #expect(stats.storedFrames == 10 * i && stats.counters["rejected.short"] == UInt64(i))
        }
        #expect(try reader.read(from: 45, maxFrames: 100).count == 6)
        #expect(try reader.clearStaleReaders() == 0)
        #expect(spoolError { _ = try Spool.openReadOnly(at: dir.appending("nothing")) }?.code == .noSpool)
    }

    @Test("the reader slot of a SIGKILLed reader process is found and cleared exactly once")
    func staleReaderCleared() throws {
        let dir = try TemporaryDirectory()
        let path = dir.appending("spool")
        let writer = try Spool.open(at: path, options: SpoolOptions(capacityBytes: 1 << 20, durability: .noMetaSync))
        _ = try writer.append(makeBatch(count: 10, size: 50))
        let child = try TortureChild(["hold-reader", path])
        #expect(child.waitUntilReady())
        // A live reader's slot is not stale.
        #expect(try writer.clearStaleReaders() == 0)
        child.kill()
        #expect(try writer.clearStaleReaders() == 1)
        #expect(try writer.clearStaleReaders() == 0)
    }
}
