import Foundation

/// Timestamps as operators read them.
enum TimeFormat {
    /// RFC 3339 in UTC with microseconds, e.g. `2016-12-08T12:00:00.123456Z`; the raw number when out of range.
    static func iso8601(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0, seconds < 253_402_300_800 else { return String(seconds) }
        let whole = seconds.rounded(.down)
        var micros = Int(((seconds - whole) * 1_000_000).rounded())
        var time = time_t(whole)
        if micros >= 1_000_000 {
            micros -= 1_000_000
            time += 1
        }
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
            Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), micros)
    }

    /// RFC 3339 in UTC with milliseconds, e.g. `2016-12-08T12:00:00.123Z`, for one-line listings.
    static func iso8601Milliseconds(_ seconds: Double) -> String {
        let full = iso8601(seconds)
        // The microsecond form ends in `.uuuuuuZ`; out-of-range values come back as plain numbers.
        guard full.hasSuffix("Z"), full.count == 27 else { return full }
        return String(full.prefix(23)) + "Z"
    }

    /// A duration in milliseconds with three decimals, e.g. `+1.544 ms`.
    static func milliseconds(_ seconds: Double) -> String {
        guard seconds.isFinite, abs(seconds) < 1e9 else { return "\(seconds) s" }
        return String(format: "%+.3f ms", seconds * 1000)
    }
}
