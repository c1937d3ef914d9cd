/// The spool's durability setting as written on the command line or in the config file:
/// `sync`, `nometasync` or `periodic:SECONDS` (`periodic` alone is one second).
///
/// Parsed here so `--durability` and the config file's `durability` accept the same text; the
/// command line turns it into the spool's own type.
public enum DurabilitySetting: Sendable, Equatable {
    /// Every commit is on disk before frames count as accepted.
    case sync
    /// Data synced, the meta page not (LMDB's `MDB_NOMETASYNC`).
    case noMetaSync
    /// Commits are synced every `seconds` (more than 0, at most 3600).
    case periodic(seconds: Double)

    /// What the setting accepts, for error messages and the docs.
    public static let allowedDescription = "sync, nometasync, or periodic:SECONDS (0 < SECONDS ≤ 3600)"

    /// Parses the text (case-insensitive); nil if it is none of the allowed forms.
    public init?(parsing text: String) {
        let text = text.trimmingWhitespace().lowercased()
        switch text {
        case "sync": self = .sync
        case "nometasync": self = .noMetaSync
        case "periodic": self = .periodic(seconds: 1)
        case let periodic where periodic.hasPrefix("periodic:"):
            guard let seconds = Double(periodic.dropFirst("periodic:".count)), seconds > 0, seconds <= 3600 else {
                return nil
            }
            self = .periodic(seconds: seconds)
        default: return nil
        }
    }
}
