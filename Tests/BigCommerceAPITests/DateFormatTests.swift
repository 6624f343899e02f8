import DropStreamHarness
import Foundation
import Testing

@testable import BigCommerceAPI

@Suite("RFC 2822 and ISO 8601 dates")
struct DateFormatTests {
    @Test("parses the reference's example dates")
    func referenceExamples() throws {
        let date = try #require(BigCommerceDateFormat.parseRFC2822("Tue, 05 Mar 2019 21:40:11 +0000"))
        #expect(date.timeIntervalSince1970 == 1_551_822_011)
        let withOffset = try #require(BigCommerceDateFormat.parseRFC2822("Thu, 20 Apr 2017 11:32:00 -0400"))
        #expect(withOffset.timeIntervalSince1970 == 1_492_702_320)
        #expect(BigCommerceDateFormat.parseRFC2822("5 Mar 2019 21:40 GMT")?.timeIntervalSince1970 == 1_551_822_000)
        let iso = try #require(BigCommerceDateFormat.parseISO8601("2017-04-20T11:32:00.000-04:00"))
        #expect(iso == withOffset)
        #expect(BigCommerceDateFormat.parseISO8601("2019-03-05T21:40:11Z")?.timeIntervalSince1970 == 1_551_822_011)
        #expect(BigCommerceDateFormat.parseISO8601("2019-03-05T21:40:11+0000")?.timeIntervalSince1970 == 1_551_822_011)
    }

    @Test(
        "rejects malformed or impossible dates",
        arguments: [
            "", "Tue, 05 Mar 2019 21:40:11", "Tue, 05 Mar 2019 21:40:11 +000", "Tue, 05 March 2019 21:40:11 +0000",
            "Wed, 05 Mar 2019 21:40:11 +0000",  // 5 March 2019 was a Tuesday
            "Tue, 30 Feb 2019 21:40:11 +0000", "Tue, 05 Mar 2019 24:00:00 +0000", "Tue, 05 Mar 2019 21:60:11 +0000",
            "Tue, 05 Mar 19 21:40:11 +0000", "Tue, 05 Mar 2019 21:40:11 +0000 extra", "Tue 05 Mar 2019 21:40:11 +0000",
            "Tue, 005 Mar 2019 21:40:11 +0000", "Tue, 05 Mar 2019 21:40:11 EST", "2019-03-05T21:40:11+00:00",
        ])
    func rejectsInvalidRFC2822(text: String) {
        #expect(BigCommerceDateFormat.parseRFC2822(text) == nil)
    }

    @Test(
        "rejects ISO 8601 without an offset or out of range",
        arguments: ["2019-03-05T21:40:11", "2019-03-05", "2019-13-05T21:40:11Z", "2019-03-05T21:40:11.Z", "2019-02-29T00:00:00Z"])
    func rejectsInvalidISO8601(text: String) {
        #expect(BigCommerceDateFormat.parseISO8601(text) == nil)
    }

    @Test("formatting round-trips for random instants across eras", arguments: 0..<4)
    func roundTrips(seedIndex: UInt64) throws {
        var rng = SeededGenerator(seed: 0xDA7E_0000 + seedIndex)
        for _ in 0..<2_000 {
            // 1900 … 2200, whole seconds (the API's granularity).
            let seconds = Int64.random(in: -2_208_988_800...7_258_118_400, using: &rng)
            let date = Date(timeIntervalSince1970: TimeInterval(seconds))
            let rfc = BigCommerceDateFormat.formatRFC2822(date)
            #expect(BigCommerceDateFormat.parseRFC2822(rfc) == date, "\(rfc)")
            let iso = BigCommerceDateFormat.formatISO8601(date)
            #expect(BigCommerceDateFormat.parseISO8601(iso) == date, "\(iso)")
        }
    }

    @Test("formatting agrees with Foundation's calendar")
    func agreesWithFoundation() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        var rng = SeededGenerator(seed: 42)
        for _ in 0..<300 {
            let date = Date(timeIntervalSince1970: TimeInterval(Int64.random(in: 0...4_102_444_800, using: &rng)))
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
            let text = BigCommerceDateFormat.formatRFC2822(date)
            let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
            let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
            func pad(_ value: Int, _ width: Int = 2) -> String {
                String(repeating: "0", count: max(0, width - String(value).count)) + String(value)
            }
            let expected =
                "\(days[parts.weekday! - 1]), \(pad(parts.day!)) \(months[parts.month! - 1]) \(pad(parts.year!, 4)) "
                + "\(pad(parts.hour!)):\(pad(parts.minute!)):\(pad(parts.second!)) +0000"
            #expect(text == expected)
        }
    }

    @Test("a non-UTC offset is applied")
    func offsetsApply() {
        let utc = BigCommerceDateFormat.parseRFC2822("Sun, 01 Jan 2023 00:30:00 +0000")
        let shifted = BigCommerceDateFormat.parseRFC2822("Sat, 31 Dec 2022 19:00:00 -0530")
        #expect(utc != nil && utc == shifted)
    }

    @Test("ISO filter values carry an explicit offset")
    func isoFormatHasOffset() {
        #expect(BigCommerceDateFormat.formatISO8601(Date(timeIntervalSince1970: 1_551_822_011)) == "2019-03-05T21:40:11+00:00")
    }
}
