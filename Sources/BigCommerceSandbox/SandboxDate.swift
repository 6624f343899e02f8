import Foundation

// Date handling for the sandbox, written from the reference (bigcommerce-api.md §1, §10):
// responses carry RFC 2822 dates in UTC ("Tue, 05 Mar 2019 21:40:11 +0000"); filters accept
// RFC 2822 or ISO 8601 with an offset. Whole seconds only, like the real API.
// No DateFormatter: it is slow and not needed for these fixed formats.

/// A point in sandbox time: whole seconds since the Unix epoch (UTC).
public typealias SandboxTimestamp = Int64

/// Formatting and parsing of the date formats the BigCommerce v2 API uses.
public enum SandboxDate {
    private static let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    static func civil(fromDays z0: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, Int(m), Int(d))
    }

    /// Days since 1970-01-01 from a civil date.
    static func days(year y0: Int64, month: Int, day: Int) -> Int64 {
        let y = month <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// `Tue, 05 Mar 2019 21:40:11 +0000`
    public static func rfc2822(_ t: SandboxTimestamp) -> String {
        var days = t / 86_400
        var secs = t % 86_400
        if secs < 0 { secs += 86_400; days -= 1 }
        let (y, m, d) = civil(fromDays: days)
        var wd = Int(days % 7)
        if wd < 0 { wd += 7 }
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let hh = Int(secs / 3600), mm = Int(secs % 3600 / 60), ss = Int(secs % 60)
        return "\(weekdays[wd]), \(two(d)) \(months[m - 1]) \(y) \(two(hh)):\(two(mm)):\(two(ss)) +0000"
    }

    /// ISO 8601 in UTC, `2019-03-05T21:40:11+00:00` (used by the admin API read-back).
    public static func iso8601(_ t: SandboxTimestamp) -> String {
        var days = t / 86_400
        var secs = t % 86_400
        if secs < 0 { secs += 86_400; days -= 1 }
        let (y, m, d) = civil(fromDays: days)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(y)-\(two(m))-\(two(d))T\(two(Int(secs / 3600))):\(two(Int(secs % 3600 / 60))):\(two(Int(secs % 60)))+00:00"
    }

    /// Parses a filter value: RFC 2822 (`Thu, 20 Apr 2017 11:32:00 -0400`, weekday optional),
    /// ISO 8601 with offset (`2017-04-20T11:32:00.000-04:00`, `Z`, `+0000`), ISO without an offset
    /// or date-only (`2017-04-20`, interpreted as UTC: UNCONFIRMED in the reference, see docs/sandbox.md),
    /// or a bare Unix timestamp. Returns nil when the value is not a date.
    public static func parse(_ raw: String) -> SandboxTimestamp? {
        let s = raw.trimmingCharacters(in: .whitespaces)
        if s.isEmpty { return nil }
        if s.allSatisfy(\.isNumber) { return Int64(s) }
        if let first = s.first, first.isNumber, s.count >= 10, s[s.index(s.startIndex, offsetBy: 4)] == "-" {
            return parseISO(s)
        }
        return parseRFC2822(s)
    }

    private static func parseISO(_ s: String) -> SandboxTimestamp? {
        let c = Array(s.utf8)
        func num(_ from: Int, _ len: Int) -> Int? {
            guard from + len <= c.count else { return nil }
            var v = 0
            for i in from..<(from + len) {
                let b = c[i]
                guard b >= 48, b <= 57 else { return nil }
                v = v * 10 + Int(b - 48)
            }
            return v
        }
        guard let y = num(0, 4), c[4] == UInt8(ascii: "-"), let mo = num(5, 2), c.count >= 10, c[7] == UInt8(ascii: "-"),
            let d = num(8, 2), (1...12).contains(mo), (1...31).contains(d)
        else { return nil }
        var t = days(year: Int64(y), month: mo, day: d) * 86_400
        if c.count == 10 { return t }
        guard c[10] == UInt8(ascii: "T") || c[10] == UInt8(ascii: " "), let hh = num(11, 2), c.count >= 16,
            c[13] == UInt8(ascii: ":"), let mi = num(14, 2)
        else { return nil }
        var i = 16
        var ss = 0
        if i < c.count, c[i] == UInt8(ascii: ":") {
            guard let v = num(17, 2) else { return nil }
            ss = v
            i = 19
        }
        if i < c.count, c[i] == UInt8(ascii: ".") || c[i] == UInt8(ascii: ",") {
            i += 1
            while i < c.count, c[i] >= 48, c[i] <= 57 { i += 1 }
        }
        guard hh < 24, mi < 60, ss < 61 else { return nil }
        t += Int64(hh * 3600 + mi * 60 + ss)
        if i == c.count { return t }
        guard let offset = parseOffset(Array(c[i...])) else { return nil }
        return t - offset
    }

    /// `Z`, `+00:00`, `-0400`, `+04`, `UT`, `GMT`; returns seconds east of UTC.
    private static func parseOffset(_ c: [UInt8]) -> Int64? {
        let str = String(decoding: c, as: UTF8.self)
        if str == "Z" || str == "z" || str == "GMT" || str == "UT" || str == "UTC" { return 0 }
        guard let sign = c.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else { return nil }
        let digits = c.dropFirst().filter { $0 != UInt8(ascii: ":") }
        guard digits.count == 4 || digits.count == 2, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        let d = digits.map { Int64($0 - 48) }
        let hours = d[0] * 10 + d[1]
        let minutes = d.count == 4 ? d[2] * 10 + d[3] : 0
        let v = hours * 3600 + minutes * 60
        return sign == UInt8(ascii: "-") ? -v : v
    }

    private static func parseRFC2822(_ s: String) -> SandboxTimestamp? {
        var parts = s.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        if let first = parts.first, first.hasSuffix(",") || weekdays.contains(first) { parts.removeFirst() }
        guard parts.count >= 4, let d = Int(parts[0]),
            let mIdx = months.firstIndex(where: { $0.lowercased() == parts[1].prefix(3).lowercased() }),
            let y = Int64(parts[2])
        else { return nil }
        let hms = parts[3].split(separator: ":").map { Int($0) }
        guard hms.count >= 2, hms.allSatisfy({ $0 != nil }) else { return nil }
        let hh = hms[0]!, mi = hms[1]!, ss = hms.count > 2 ? hms[2]! : 0
        guard (1...31).contains(d), hh < 24, mi < 60, ss < 61 else { return nil }
        var t = days(year: y, month: mIdx + 1, day: d) * 86_400 + Int64(hh * 3600 + mi * 60 + ss)
        if parts.count >= 5 {
            guard let off = parseOffset(Array(parts[4].utf8)) else { return nil }
            t -= off
        }
        return t
    }
}
