internal import CSealShim
public import Foundation

enum ASN1Time {
    /// Converts an ASN1_TIME (UTCTime or GeneralizedTime) to a Date; nil when it is malformed.
    static func date(_ time: UnsafePointer<ASN1_TIME>?) -> Date? {
        guard let time else { return nil }
        var parts = tm()
        guard ASN1_TIME_to_tm(time, &parts) == 1 else {
            OpenSSLError.clearQueue()
            return nil
        }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }

    /// Sets an ASN1_TIME from a Date (UTCTime up to 2049, GeneralizedTime after, per RFC 5280).
    static func set(_ time: UnsafeMutablePointer<ASN1_TIME>?, to date: Date) throws(OpenSSLError) {
        guard ASN1_TIME_set(time, time_t(date.timeIntervalSince1970.rounded(.down))) != nil else {
            throw OpenSSLError("setting a time")
        }
    }
}

extension Date {
    private static func rfc3339Formatter() -> ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter
    }

    /// RFC 3339 in UTC with second precision, the form every Seal output uses. Written from
    /// the calendar fields: every verification report names a CRL's date, and building a
    /// formatter for it took 15% of verifying a PDF (`perf`, `seal-bench profile pdf-verifications`).
    public var rfc3339: String {
        let t = CalendarParts(self), two = { CalendarParts.padded($0, 2) }
        return "\(CalendarParts.padded(t.year, 4))-\(two(t.month))-\(two(t.day))T\(two(t.hour)):\(two(t.minute)):\(two(t.second))Z"
    }

    /// Parses an RFC 3339 time such as 2026-11-01T00:00:00Z.
    public init?(rfc3339 text: String) {
        guard let date = Self.rfc3339Formatter().date(from: text) else { return nil }
        self = date
    }
}

/// A date's UTC calendar fields, whole seconds (gmtime_r: no Calendar lock on the sealing path;
/// a Calendar or a date formatter per seal or report cost two orders of magnitude more).
public struct CalendarParts: Sendable {
    public let year, month, day, hour, minute, second: Int

    public init(_ date: Date) {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        year = Int(parts.tm_year) + 1900
        month = Int(parts.tm_mon) + 1
        day = Int(parts.tm_mday)
        hour = Int(parts.tm_hour)
        minute = Int(parts.tm_min)
        second = Int(parts.tm_sec)
    }

    /// `value` in decimal with leading zeros to `width` digits, as every date text here writes it.
    public static func padded(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
