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
    /// `gmtime_r`: every verification report names a CRL's date, and building a formatter for
    /// it took 15% of verifying a PDF (`perf`, `seal-bench profile pdf-verifications`).
    public var rfc3339: String {
        var seconds = time_t(timeIntervalSince1970.rounded(.down))
        var parts = tm()
        guard gmtime_r(&seconds, &parts) != nil else { return Self.rfc3339Formatter().string(from: self) }
        func digits(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
        }
        return digits(parts.tm_year + 1900, 4) + "-" + digits(parts.tm_mon + 1, 2) + "-" + digits(parts.tm_mday, 2) + "T"
            + digits(parts.tm_hour, 2) + ":" + digits(parts.tm_min, 2) + ":" + digits(parts.tm_sec, 2) + "Z"
    }

    /// Parses an RFC 3339 time such as 2026-11-01T00:00:00Z.
    public init?(rfc3339 text: String) {
        guard let date = Self.rfc3339Formatter().date(from: text) else { return nil }
        self = date
    }
}
