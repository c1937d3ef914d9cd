import Foundation

/// A small tmpfs mounted for a test (needs root), unmounted again by ``unmount()`` or `deinit`,
/// also when the test fails.
public final class TmpfsMount: @unchecked Sendable {
    /// The mount point.
    public let path: String
    private var mounted = false

    /// Mounts a tmpfs of `size` (e.g. `"2m"`) at a new directory under `parent`.
    public init(in parent: String, size: String, readOnly: Bool = false) throws {
        path = parent + "/tmpfs"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let options = "size=\(size),mode=0755" + (readOnly ? ",ro" : "")
        let result = try runProcess(URL(fileURLWithPath: "/bin/mount"), ["-t", "tmpfs", "-o", options, "tmpfs", path])
        guard result.status == 0 else {
            throw SubprocessError(description: "mount tmpfs at \(path) failed (tests that need it run as root): \(result.stderrText)")
        }
        mounted = true
    }

    /// Changes the size of the mounted tmpfs, e.g. to give a full file system room again.
    public func resize(_ size: String) throws {
        let result = try runProcess(URL(fileURLWithPath: "/bin/mount"), ["-o", "remount,size=\(size)", path])
        guard result.status == 0 else { throw SubprocessError(description: "remount failed: \(result.stderrText)") }
    }

    /// Unmounts (lazily, so a process still holding files cannot keep it mounted). Safe to call twice.
    public func unmount() {
        guard mounted else { return }
        mounted = false
        _ = try? runProcess(URL(fileURLWithPath: "/bin/umount"), ["-l", path])
    }

    deinit { unmount() }
}
