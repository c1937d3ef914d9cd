import DHCPKafkaSpool
import DHCPKafkaTestSupport
import Foundation
import Testing

@Suite("Spool disk bound under churn", .serialized)
struct SpoolChurnTests {
    static let capacity = 4 << 20

    /// Writes 20 × the capacity of 450-byte frames in batches of 256; returns the peak file size.
    func churn(_ spool: Spool, onError: (SpoolError) throws -> Void = { throw $0 }) throws -> (peak: Int, failed: Int) {
        let batch = makeBatch(count: 256, size: 450)
        let batches = 20 * Self.capacity / (256 * 458) + 1
        var peak = 0
        var failed = 0
        for i in 0..<batches {
            do { _ = try spool.append(batch) } catch {
                failed += 1
                try onError(error)
            }
            if i % 16 == 0 { peak = max(peak, try spool.stats().fileSize) }
        }
        return (max(peak, try spool.stats().fileSize), failed)
    }

    func checkCounters(_ stats: SpoolStats) {
        #expect(stats.storedBytes <= Self.capacity)
        #expect(stats.appendedFrames - stats.evictedFrames == UInt64(stats.storedFrames))
        #expect(stats.fileSize <= stats.mapSize)
    }

    @Test("FIFO churn of 20× the capacity keeps data.mdb within the map-size bound")
    func churnAlone() throws {
        let dir = try TemporaryDirectory()
        let options = SpoolOptions(capacityBytes: Self.capacity, durability: .noMetaSync)
        let spool = try Spool.open(at: dir.appending("spool"), options: options)
        let (peak, _) = try churn(spool)
        let stats = try spool.stats()
        checkCounters(stats)
        #expect(stats.storedBytes > Self.capacity - 458)
        #expect(peak <= options.mapSize)
        print("churn alone: peak data.mdb \(peak) bytes = \(Double(peak) / Double(Self.capacity))× capacity; "
            + "map \(options.mapSize)")
    }

    @Test("churn while another process runs short read transactions back to back")
    func churnWithShortReaders() throws {
        let dir = try TemporaryDirectory()
        let path = dir.appending("spool")
        let options = SpoolOptions(capacityBytes: Self.capacity, durability: .noMetaSync)
        let spool = try Spool.open(at: path, options: options)
        let child = try TortureChild(["short-readers", path])
        defer { child.kill() }
        #expect(child.waitUntilReady())
        let (peak, _) = try churn(spool)
        checkCounters(try spool.stats())
        #expect(peak <= options.mapSize)
        print("churn with short readers: peak data.mdb \(peak) bytes = \(Double(peak) / Double(Self.capacity))× capacity")
    }

    @Test("churn while another process holds ONE read transaction throughout: bounded, typed error, recovers")
    func churnWithPinnedReader() throws {
        let dir = try TemporaryDirectory()
        let path = dir.appending("spool")
        let options = SpoolOptions(capacityBytes: Self.capacity, durability: .noMetaSync)
        let spool = try Spool.open(at: path, options: options)
        _ = try spool.append(makeBatch(count: 256, size: 450))
        let child = try TortureChild(["hold-reader", path])
        defer { child.kill() }
        #expect(child.waitUntilReady())
        var firstFailure: UInt64?
        let (peak, failed) = try churn(spool) { error in
            #expect(error.code == .spaceExhausted)
            #expect(error.message.contains("\(child.pid)"))
            if firstFailure == nil { firstFailure = try spool.stats().appendedFrames }
        }
        #expect(peak <= options.mapSize)
        checkCounters(try spool.stats())
        // The reader dies; its slot is cleared and appends work again.
        child.kill()
        _ = try spool.append(makeBatch(count: 256, size: 450))
        _ = try spool.append(makeBatch(count: 256, size: 450))
        checkCounters(try spool.stats())
        let accepted = (firstFailure ?? 0) * 458
        print("churn with a pinned reader: \(failed) batches refused (spaceExhausted); accepted "
            + "\(Double(accepted) / Double(Self.capacity))× capacity before the first refusal; peak data.mdb \(peak) "
            + "bytes, map \(options.mapSize)")
    }
}
