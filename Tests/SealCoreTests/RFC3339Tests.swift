import Foundation
import SealCore
import Testing

@Suite struct RFC3339Tests {
    /// The text every report and message uses: UTC, second precision, fractions dropped, and
    /// the same as Foundation's formatter gives, from before 1970 to past 2049 (X.509 times
    /// start in 1950, so the Julian calendar Foundation uses before 1582 never matters).
    @Test(arguments: [
        (0.0, "1970-01-01T00:00:00Z"),
        (1_795_392_000.9, "2026-11-23T00:00:00Z"),
        (-86_401.0, "1969-12-30T23:59:59Z"),
        (2_556_143_999.0, "2050-12-31T23:59:59Z"),
        (253_402_300_799.0, "9999-12-31T23:59:59Z"),
    ])
    func aDateIsWrittenInUTCToTheSecond(seconds: Double, text: String) {
        let date = Date(timeIntervalSince1970: seconds)
        #expect(date.rfc3339 == text)
        #expect(Date(rfc3339: text) == Date(timeIntervalSince1970: seconds.rounded(.down)))
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        #expect(formatter.string(from: Date(timeIntervalSince1970: seconds.rounded(.down))) == text)
    }
}
