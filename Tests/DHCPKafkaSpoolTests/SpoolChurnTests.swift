import DHCPKafkaSpool
import DHCPKafkaTestSupport
import Foundation
import Testing

@Suite("Spool disk bound under churn", .serialized, .heavy)
struct SpoolChurnTests {
    static let capacity = 4 << 20
    /// docs/spool.md, "Disk use": without readers pinning old snapshots, data.mdb stays within the
    /// frames tree's page budget (2 × capacity) plus 1 MiB for the other databases, free lists and
    /// meta pages.
    static let boundAlone = 2 * capacity + (1 << 20)
    /// docs/spool.md, "Disk use": with back-to-back short read transactions of another process,
    /// data.mdb stays within 5 × capacity (pages freed while a reader's snapshot is live wait for it;
    /// on a loaded machine a reader may be descheduled inside its transaction). The map is 9 ×.
    static let boundShortReaders = 5 * capacity

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
    }

    @Test("FIFO churn of 20× the capacity keeps data.mdb within 2 × capacity + 1 MiB")
    func churnAlone() throws {
        let dir = try TemporaryDirectory()
        let options = SpoolOptions(capacityBytes: Self.capacity, durability: .noMetaSync)
        let spool = try Spool.open(at: dir.appending("spool"), options: options)
        let (peak, _) = try churn(spool)
        let stats = try spool.stats()
        checkCounters(stats)
        #expect(stats.storedBytes > Self.capacity - 458)
        #expect(peak <= Self.boundAlone, "peak data.mdb \(peak) bytes")
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
        let (peak, failed) = try churn(spool)
        #expect(failed == 0)
        checkCounters(try spool.stats())
        #expect(peak <= Self.boundShortReaders, "peak data.mdb \(peak) bytes")
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
        var errors: [SpoolError] = []
        let (peak, failed) = try churn(spool) { error in
            errors.append(error)
            if firstFailure == nil { firstFailure = try spool.stats().appendedFrames }
        }
        // The pinned snapshot keeps every freed page: the map fills and appends are refused with a
        // typed error naming the reader, instead of growing the file or failing silently.
        #expect(failed > 0 && errors.count == failed)
        #expect(errors.allSatisfy { $0.code == .spaceExhausted && $0.message.contains("\(child.pid)") })
        #expect(peak > Self.boundShortReaders, "the pinned reader must make data.mdb grow towards the map")
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
