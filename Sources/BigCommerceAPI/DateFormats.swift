import Foundation

/// Parsing and formatting of the two date formats the API speaks: RFC 2822 in every response
/// (`Tue, 05 Mar 2019 21:40:11 +0000`) and ISO 8601 with an explicit offset, which list filters
/// accept (`2019-03-05T21:40:11+00:00`).
///
/// Hand-written over UTF-8 bytes instead of `DateFormatter`: a full page is 250 orders with
/// several dates each, `DateFormatter` is slow and locale-sensitive, and a strict parser rejects
/// garbage instead of guessing.
public enum BigCommerceDateFormat {
    /// Parses an RFC 2822 date-time: optional day name (checked against the date), 1–2 digit day,
    /// English month abbreviation, 4-digit year, `HH:MM[:SS]`, and a numeric zone (`+0000`,
    /// `-0430`) or `GMT`/`UT`/`UTC`. Returns nil for anything else.
    public static func parseRFC2822(_ text: String) -> Date? {
        var scanner = ByteScanner(text)
        scanner.skipSpaces()
        var expectedWeekday: Int?
        if let first = scanner.peek, isLetter(first) {
            guard let name = scanner.readLetters(), let weekday = weekdayNames.firstIndex(of: name.lowercased()),
                scanner.consume(UInt8(ascii: ",")) else { return nil }
            expectedWeekday = weekday
            scanner.skipSpaces()
        }
        guard let day = scanner.readNumber(minDigits: 1, maxDigits: 2), scanner.skipSpaces(atLeast: 1),
            let monthName = scanner.readLetters(), let monthIndex = monthNames.firstIndex(of: monthName.lowercased()),
            scanner.skipSpaces(atLeast: 1),
            let year = scanner.readNumber(minDigits: 4, maxDigits: 4), scanner.skipSpaces(atLeast: 1),
            let hour = scanner.readNumber(minDigits: 2, maxDigits: 2), scanner.consume(UInt8(ascii: ":")),
            let minute = scanner.readNumber(minDigits: 2, maxDigits: 2)
        else { return nil }
        var second = 0
        if scanner.consume(UInt8(ascii: ":")) {
            guard let value = scanner.readNumber(minDigits: 2, maxDigits: 2) else { return nil }
            second = value
        }
        guard scanner.skipSpaces(atLeast: 1), let offsetSeconds = scanner.readRFC2822Zone() else { return nil }
        scanner.skipSpaces()
        guard scanner.isAtEnd else { return nil }
        let month = monthIndex + 1
        guard let days = validatedDays(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        else { return nil }
        if let expectedWeekday, weekday(daysSinceEpoch: days) != expectedWeekday { return nil }
        let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offsetSeconds
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// Formats as RFC 2822 in UTC, the way the API does: `Tue, 05 Mar 2019 21:40:11 +0000`.
    /// Sub-second precision is truncated (the API's granularity is one second).
    public static func formatRFC2822(_ date: Date) -> String {
        let (days, hour, minute, second) = splitUTC(date)
        let (year, month, day) = civilFromDays(days)
        let weekdayName = weekdayTitles[weekday(daysSinceEpoch: days)]
        return "\(weekdayName), \(pad2(day)) \(monthTitles[month - 1]) \(pad4(year)) \(pad2(hour)):\(pad2(minute)):\(pad2(second)) +0000"
    }

    /// Parses ISO 8601 / RFC 3339 date-times with an explicit offset:
    /// `2017-04-20T11:32:00.000-04:00`, `2019-03-05T21:40:11Z`, `...+0000`. A value without an
    /// offset is rejected: the API's interpretation of one is undocumented.
    public static func parseISO8601(_ text: String) -> Date? {
        var scanner = ByteScanner(text)
        guard let year = scanner.readNumber(minDigits: 4, maxDigits: 4), scanner.consume(UInt8(ascii: "-")),
            let month = scanner.readNumber(minDigits: 2, maxDigits: 2), scanner.consume(UInt8(ascii: "-")),
            let day = scanner.readNumber(minDigits: 2, maxDigits: 2),
            scanner.consume(UInt8(ascii: "T")) || scanner.consume(UInt8(ascii: "t")) || scanner.consume(UInt8(ascii: " ")),
            let hour = scanner.readNumber(minDigits: 2, maxDigits: 2), scanner.consume(UInt8(ascii: ":")),
            let minute = scanner.readNumber(minDigits: 2, maxDigits: 2), scanner.consume(UInt8(ascii: ":")),
            let second = scanner.readNumber(minDigits: 2, maxDigits: 2)
        else { return nil }
        var fraction = 0.0
        if scanner.consume(UInt8(ascii: ".")) {
            var scale = 0.1
            var digitCount = 0
            while let byte = scanner.peek, isDigit(byte) {
                fraction += Double(byte - UInt8(ascii: "0")) * scale
                scale /= 10
                digitCount += 1
                scanner.advance()
            }
            guard digitCount > 0 else { return nil }
        }
        guard let offsetSeconds = scanner.readISOZone(), scanner.isAtEnd,
            let days = validatedDays(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        else { return nil }
        let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offsetSeconds
        return Date(timeIntervalSince1970: TimeInterval(seconds) + fraction)
    }

    /// Formats as ISO 8601 in UTC with an explicit `+00:00` offset and whole seconds, the form
    /// to send in `min_date_modified`/`max_date_modified` (percent-encode the `+`).
    public static func formatISO8601(_ date: Date) -> String {
        let (days, hour, minute, second) = splitUTC(date)
        let (year, month, day) = civilFromDays(days)
        return "\(pad4(year))-\(pad2(month))-\(pad2(day))T\(pad2(hour)):\(pad2(minute)):\(pad2(second))+00:00"
    }

    // MARK: calendar arithmetic (proleptic Gregorian, Howard Hinnant's days-from-civil)

    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// 0 = Sunday. 1970-01-01 was a Thursday.
    static func weekday(daysSinceEpoch days: Int) -> Int {
        let remainder = (days + 4) % 7
        return remainder < 0 ? remainder + 7 : remainder
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func validatedDays(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Int? {
        // Second 60 (a leap second) is refused: the API never sends one and Date cannot hold it.
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month),
            hour < 24, minute < 60, second < 60 else { return nil }
        return daysFromCivil(year: year, month: month, day: day)
    }

    private static func splitUTC(_ date: Date) -> (days: Int, hour: Int, minute: Int, second: Int) {
        let total = Int(date.timeIntervalSince1970.rounded(.down))
        var days = total / 86_400
        var secondsOfDay = total % 86_400
        if secondsOfDay < 0 { secondsOfDay += 86_400; days -= 1 }
        return (days, secondsOfDay / 3_600, secondsOfDay % 3_600 / 60, secondsOfDay % 60)
    }

    private static func pad2(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
    private static func pad4(_ value: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    private static let weekdayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
    private static let weekdayTitles = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    private static let monthTitles = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
}

@inline(__always) private func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
@inline(__always) private func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }

/// A cursor over a string's UTF-8 bytes with the few reads the date grammars need.
private struct ByteScanner {
    let bytes: [UInt8]
    var position = 0

    init(_ text: String) { bytes = Array(text.utf8) }

    var isAtEnd: Bool { position == bytes.count }
    var peek: UInt8? { position < bytes.count ? bytes[position] : nil }
    mutating func advance() { position += 1 }

    mutating func consume(_ byte: UInt8) -> Bool {
        guard peek == byte else { return false }
        position += 1
        return true
    }

    mutating func skipSpaces() { while peek == 0x20 || peek == 0x09 { position += 1 } }

    mutating func skipSpaces(atLeast minimum: Int) -> Bool {
        let start = position
        skipSpaces()
        return position - start >= minimum
    }

    mutating func readLetters() -> String? {
        let start = position
        while let byte = peek, isLetter(byte) { position += 1 }
        guard position > start, position - start <= 3 else { return nil }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    mutating func readNumber(minDigits: Int, maxDigits: Int) -> Int? {
        let start = position
        var value = 0
        while let byte = peek, isDigit(byte), position - start < maxDigits {
            value = value * 10 + Int(byte - 0x30)
            position += 1
        }
        guard position - start >= minDigits else { return nil }
        if let byte = peek, isDigit(byte) { return nil }  // more digits than allowed
        return value
    }

    /// Exactly `count` digits, whatever follows (zone offsets run `hhmm` together).
    mutating func readFixedDigits(_ count: Int) -> Int? {
        guard position + count <= bytes.count else { return nil }
        var value = 0
        for byte in bytes[position..<position + count] {
            guard isDigit(byte) else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        position += count
        return value
    }

    /// `+hhmm` / `-hhmm`, or the named UTC zones.
    mutating func readRFC2822Zone() -> Int? {
        if let sign = peek, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            position += 1
            guard let hours = readFixedDigits(2), hours < 24,
                let minutes = readFixedDigits(2), minutes < 60 else { return nil }
            let offset = hours * 3_600 + minutes * 60
            return sign == UInt8(ascii: "+") ? offset : -offset
        }
        guard let name = readLetters()?.uppercased(), ["GMT", "UT", "UTC", "Z"].contains(name) else { return nil }
        return 0
    }

    /// `Z`, `+hh:mm`, `+hhmm` or `+hh`.
    mutating func readISOZone() -> Int? {
        if consume(UInt8(ascii: "Z")) || consume(UInt8(ascii: "z")) { return 0 }
        guard let sign = peek, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else { return nil }
        position += 1
        guard let hours = readFixedDigits(2), hours < 24 else { return nil }
        var minutes = 0
        if consume(UInt8(ascii: ":")) {
            guard let value = readFixedDigits(2) else { return nil }
            minutes = value
        } else if let byte = peek, isDigit(byte) {
            guard let value = readFixedDigits(2) else { return nil }
            minutes = value
        }
        guard minutes < 60 else { return nil }
        let offset = hours * 3_600 + minutes * 60
        return sign == UInt8(ascii: "+") ? offset : -offset
    }
}
