import CLMDB
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Throughput of ``Spool/append(_:counterDeltas:)`` against raw LMDB puts of the same data,
/// for a benchmark executable or a test that prints the numbers.
public enum SpoolBenchmark {
    /// Frames per second of both ways.
    public struct Result: Sendable, CustomStringConvertible {
        /// Frames appended per second through ``Spool``.
        public var spoolFramesPerSecond: Double
        /// Frames per second of plain `mdb_put(MDB_APPEND)` in the same batches and sync mode.
        public var rawFramesPerSecond: Double
        /// Frames written by each way.
        public var frames: Int
        /// `spool N/s, raw LMDB M/s (ratio)`.
        public var description: String {
            let ratio = rawFramesPerSecond > 0 ? spoolFramesPerSecond / rawFramesPerSecond : 0
            return "spool \(Int(spoolFramesPerSecond)) frames/s, raw LMDB \(Int(rawFramesPerSecond)) frames/s "
                + "(spool/raw \(Double(Int(ratio * 1000)) / 1000)) over \(frames) frames"
        }
    }

    /// Writes `frames` frames of `frameSize` bytes in batches of `batchSize`, once through a
    /// ``Spool`` in `directory`/spool and once as raw LMDB puts in `directory`/raw (directories
    /// must not exist yet; their parent must). The ring is large enough not to evict.
    public static func compare(in directory: String, frames: Int = 100_000, frameSize: Int = 450,
                               batchSize: Int = 256, durability: SpoolDurability = .sync) throws(SpoolError) -> Result {
        let capacity = frames * (frameSize + Spool.frameHeaderSize) * 2
        let options = SpoolOptions(capacityBytes: capacity, durability: durability)
        let frame = (0..<frameSize).map { UInt8(truncatingIfNeeded: $0) }
        let batches = (frames + batchSize - 1) / batchSize

        let spool = try Spool.open(at: directory + "/spool", options: options)
        var batch = SpoolBatch(reservingFrames: batchSize, bytes: batchSize * frameSize)
        let spoolStart = ContinuousClock.now
        for _ in 0..<batches {
            batch.removeAll()
            for _ in 0..<batchSize { batch.append(frame, receivedAt: 1) }
            _ = try spool.append(batch)
        }
        let spoolTime = ContinuousClock.now - spoolStart
        try spool.close()

        guard mkdir(directory + "/raw", 0o750) == 0 else {
            throw SpoolError(code: .io, message: "cannot create \(directory)/raw",
                             cause: SpoolError.SystemCallError("mkdir", Errno(rawValue: errno)))
        }
        let rawTime: Duration
        do {
            rawTime = try rawPuts(in: directory + "/raw", options: options, frame: frame,
                                  batches: batches, batchSize: batchSize)
        } catch { throw Spool.mapError(error, path: directory + "/raw", doing: "benchmarking raw LMDB") }
        let total = batches * batchSize
        return Result(spoolFramesPerSecond: Double(total) / seconds(spoolTime),
                      rawFramesPerSecond: Double(total) / seconds(rawTime), frames: total)
    }

    private static func rawPuts(in path: String, options: SpoolOptions, frame: [UInt8],
                                batches: Int, batchSize: Int) throws(LMDBError) -> Duration {
        let flags: UInt32 = switch options.durability {
        case .sync: 0
        case .noMetaSync: UInt32(MDB_NOMETASYNC)
        case .periodic: UInt32(MDB_NOSYNC)
        }
        let env = try LMDBEnvironment(path: path, mapSize: options.mapSize, maxDatabases: 2, flags: flags)
        defer { env.close() }
        let dbi = try env.write { txn throws(LMDBError) in try txn.openDatabase("frames", create: true) }
        var value = [UInt8](repeating: 0, count: 8)
        value.append(contentsOf: frame)
        var sequence: UInt64 = 1
        let start = ContinuousClock.now
        for _ in 0..<batches {
            try env.write { txn throws(LMDBError) in
                try value.withBytes { v throws(LMDBError) in
                    for _ in 0..<batchSize {
                        try SequenceKey.with(sequence) { k throws(LMDBError) in try txn.put(dbi, key: k, value: v, flags: UInt32(MDB_APPEND)) }
                        sequence += 1
                    }
                }
            }
        }
        return ContinuousClock.now - start
    }

    private static func seconds(_ d: Duration) -> Double {
        let c = d.components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }
}
