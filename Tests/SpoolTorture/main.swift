// spool-torture: a TEST-ONLY helper process for DHCPKafkaSpoolTests. Not shipped.
//
//   spool-torture append DIR MODE [BOOT]  append random batches forever; after each commit print
//                                      "FIRST LAST NONCE COUNT" and flush (MODE: sync|nometa|periodic);
//                                      BOOT: the boot id to record (another than the kernel's makes a
//                                      later writer take a SIGKILL of this one for an OS crash)
//   spool-torture hold-reader DIR      open a read transaction, print "ready", hold it until killed
//   spool-torture short-readers DIR    loop: read transaction held 20 ms, 5 ms pause, until killed
//   spool-torture hold-writer DIR      open the spool for writing, print "ready", sleep until killed
//   spool-torture hold-write-txn DIR   begin a raw LMDB write transaction (taking LMDB's writer
//                                      mutex, so a daemon's commits block), print "ready", hold it until killed
import CLMDB
import DHCPKafkaSpool

#if canImport(Glibc)
import Glibc
#endif

/// Writes a line straight to a file descriptor (unbuffered, so a kill loses nothing printed).
func emit(_ line: String, to fd: Int32 = 1) {
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    emit("usage: spool-torture append|hold-reader|short-readers|hold-writer|hold-write-txn DIR [MODE]", to: 2)
    exit(2)
}
let directory = arguments[2]

func fail(_ message: String) -> Never {
    emit("spool-torture: \(message)", to: 2)
    exit(1)
}

/// Opens a raw read-only LMDB environment, as a foreign reader process would.
func rawReaderEnvironment() -> OpaquePointer {
    var env: OpaquePointer?
    guard mdb_env_create(&env) == 0, let env else { fail("mdb_env_create") }
    mdb_env_set_maxdbs(env, 8)
    let rc = mdb_env_open(env, directory, UInt32(MDB_RDONLY | MDB_NOTLS), 0o640)
    guard rc == 0 else { fail("mdb_env_open: \(String(cString: mdb_strerror(rc)))") }
    return env
}

switch arguments[1] {
case "append":
    let mode = arguments.count > 3 ? arguments[3] : "sync"
    let durability: SpoolDurability = switch mode {
    case "nometa": .noMetaSync
    case "periodic": .periodic(interval: .milliseconds(50))
    default: .sync
    }
    let spool: Spool
    let boot = arguments.count > 4 ? arguments[4] : SpoolOptions.currentBootID
    do { spool = try Spool.open(at: directory, options: SpoolOptions(capacityBytes: 256 << 20, durability: durability, bootID: boot)) }
    catch { fail("\(error)") }
    var rng = SystemRandomNumberGenerator()
    var batch = SpoolBatch()
    while true {
        batch.removeAll()
        let nonce = UInt64.random(in: 1...UInt64.max, using: &rng)
        let count = Int.random(in: 1...64, using: &rng)
        for index in 0..<count {
            var frame: [UInt8] = []
            withUnsafeBytes(of: nonce.bigEndian) { frame.append(contentsOf: $0) }
            withUnsafeBytes(of: UInt32(index).bigEndian) { frame.append(contentsOf: $0) }
            withUnsafeBytes(of: UInt32(count).bigEndian) { frame.append(contentsOf: $0) }
            frame.append(contentsOf: repeatElement(UInt8(truncatingIfNeeded: index), count: Int.random(in: 0...300, using: &rng)))
            batch.append(frame, receivedAt: nonce)
        }
        do {
            let result = try spool.append(batch)
            emit("\(result.firstSequence) \(result.lastSequence) \(nonce) \(count)")
        } catch { fail("\(error)") }
    }
case "hold-reader":
    let env = rawReaderEnvironment()
    var txn: OpaquePointer?
    guard mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn) == 0 else { fail("mdb_txn_begin") }
    emit("ready")
    while true { sleep(60) }
case "short-readers":
    let env = rawReaderEnvironment()
    emit("ready")
    while true {
        var txn: OpaquePointer?
        guard mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn) == 0 else { fail("mdb_txn_begin") }
        usleep(20_000)
        mdb_txn_abort(txn)
        usleep(5_000)
    }
case "hold-write-txn":
    var env: OpaquePointer?
    guard mdb_env_create(&env) == 0, let env else { fail("mdb_env_create") }
    mdb_env_set_maxdbs(env, 8)
    let rc = mdb_env_open(env, directory, UInt32(MDB_NOTLS), 0o640)
    guard rc == 0 else { fail("mdb_env_open: \(String(cString: mdb_strerror(rc)))") }
    var txn: OpaquePointer?
    guard mdb_txn_begin(env, nil, 0, &txn) == 0 else { fail("mdb_txn_begin") }
    emit("ready")
    while true { sleep(60) }
case "hold-writer":
    let spool: Spool
    do { spool = try Spool.open(at: directory) } catch { fail("\(error)") }
    emit("ready")
    withExtendedLifetime(spool) { while true { sleep(60) } }
default:
    fail("unknown command \(arguments[1])")
}
