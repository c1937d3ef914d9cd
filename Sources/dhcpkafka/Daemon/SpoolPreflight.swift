import DHCPKafkaSpool
import Foundation

/// The check `run` makes before it opens an existing spool: a structure-only `spool check` in a
/// child process, so a spool whose damaged pages crash LMDB is refused with a message instead of
/// crashing the daemon (and its forwarder) in a restart loop.
enum SpoolPreflight {
    /// Throws ``SpoolError/Code/corrupt`` if walking the spool at `path` crashes the child; a
    /// missing or empty spool passes (the writer creates it).
    static func verify(_ path: String) throws {
        var st = stat()
        guard stat(path + "/data.mdb", &st) == 0, st.st_size > 0 else { return }
        let (outcome, _) = try CrashIsolation.run(["spool", "check", "--spool", path, "--structure-only", "--json"],
                                                  capture: true)
        if case .crashed(let signal) = outcome, signal != SIGKILL, signal != SIGTERM, signal != SIGINT {
            throw SpoolError(code: .corrupt, message: "refusing to start: "
                + CrashIsolation.corruptMessage(path: path, signal: signal))
        }
    }
}
