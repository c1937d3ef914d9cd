import ArgumentParser
import Foundation

/// A point in time on the command line: RFC 3339 / ISO 8601 (`2026-05-01T12:00:00Z`, fractions and
/// offsets allowed), seconds since the epoch (`1777636800.5`), or a duration before now (`90s`, `10m`,
/// `2h`, `1d`).
struct TimeArgument: ExpressibleByArgument, Sendable {
    /// Seconds since the epoch.
    let seconds: Double

    init?(argument: String) {
        guard let seconds = Self.parse(argument, now: Date().timeIntervalSince1970) else { return nil }
        self.seconds = seconds
    }

    static var defaultCompletionKind: CompletionKind { .default }

    /// Parses `text` relative to `now` (seconds since the epoch); nil if it is none of the accepted forms.
    static func parse(_ text: String, now: Double) -> Double? {
        if let epoch = Double(text), epoch.isFinite, epoch >= 0 { return epoch }
        if let unit = text.last, let factor = ["s": 1.0, "m": 60, "h": 3600, "d": 86_400][unit],
           let amount = Double(text.dropLast()), amount.isFinite, amount >= 0 {
            return now - amount * factor
        }
        for options: ISO8601DateFormatter.Options in [[.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime]] {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = options
            if let date = formatter.date(from: text) { return date.timeIntervalSince1970 }
        }
        return nil
    }
}
