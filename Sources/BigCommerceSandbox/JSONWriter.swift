/// A small, fast JSON writer that appends UTF-8 bytes to a buffer.
///
/// The store API renders pages of 250 orders with their lines many thousand times a second in
/// the benchmarks; Foundation's JSONEncoder would dominate that cost. The writer tracks whether a
/// comma is needed so callers only say "key, value".
struct JSONWriter {
    var bytes: [UInt8] = []
    private var needsComma: [Bool] = [false]

    init(capacity: Int = 4096) { bytes.reserveCapacity(capacity) }

    private mutating func separate() {
        if needsComma[needsComma.count - 1] { bytes.append(UInt8(ascii: ",")) }
        needsComma[needsComma.count - 1] = true
    }

    mutating func beginObject() { separate(); bytes.append(UInt8(ascii: "{")); needsComma.append(false) }
    mutating func endObject() { needsComma.removeLast(); bytes.append(UInt8(ascii: "}")) }
    mutating func beginArray() { separate(); bytes.append(UInt8(ascii: "[")); needsComma.append(false) }
    mutating func endArray() { needsComma.removeLast(); bytes.append(UInt8(ascii: "]")) }

    /// Writes `"key":` and arranges that the next value does not get a leading comma.
    mutating func key(_ k: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        k.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma[needsComma.count - 1] = false
    }

    mutating func key(_ k: String) {
        separate()
        writeEscaped(k)
        bytes.append(UInt8(ascii: ":"))
        needsComma[needsComma.count - 1] = false
    }

    mutating func string(_ s: String) { separate(); writeEscaped(s) }
    mutating func int(_ v: Int) { separate(); appendInt(Int64(v)) }
    mutating func int64(_ v: Int64) { separate(); appendInt(v) }
    mutating func bool(_ v: Bool) {
        separate()
        if v { bytes.append(contentsOf: [116, 114, 117, 101]) } else { bytes.append(contentsOf: [102, 97, 108, 115, 101]) }
    }
    mutating func null() { separate(); bytes.append(contentsOf: [110, 117, 108, 108]) }
    /// `"361.9500"` written straight into the buffer.
    mutating func money(_ m: SandboxMoney) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        var v = m.tenThousandths
        if v < 0 { bytes.append(UInt8(ascii: "-")); v = -v }
        appendInt(v / 10_000)
        bytes.append(UInt8(ascii: "."))
        let f = Int(v % 10_000)
        bytes.append(UInt8(48 + f / 1000)); bytes.append(UInt8(48 + f / 100 % 10))
        bytes.append(UInt8(48 + f / 10 % 10)); bytes.append(UInt8(48 + f % 10))
        bytes.append(UInt8(ascii: "\""))
    }

    private static let weekdayBytes: [[UInt8]] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"].map { Array($0.utf8) }
    private static let monthBytes: [[UInt8]] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"].map { Array($0.utf8) }

    /// `"Tue, 05 Mar 2019 21:40:11 +0000"` written straight into the buffer.
    mutating func rfc2822(_ t: SandboxTimestamp) {
        separate()
        var days = t / 86_400
        var secs = t % 86_400
        if secs < 0 { secs += 86_400; days -= 1 }
        let (y, m, d) = SandboxDate.civil(fromDays: days)
        var wd = Int(days % 7)
        if wd < 0 { wd += 7 }
        func two(_ v: Int) { bytes.append(UInt8(48 + v / 10)); bytes.append(UInt8(48 + v % 10)) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: Self.weekdayBytes[wd])
        bytes.append(UInt8(ascii: ",")); bytes.append(UInt8(ascii: " "))
        two(d)
        bytes.append(UInt8(ascii: " "))
        bytes.append(contentsOf: Self.monthBytes[m - 1])
        bytes.append(UInt8(ascii: " "))
        appendInt(y)
        bytes.append(UInt8(ascii: " "))
        two(Int(secs / 3600)); bytes.append(UInt8(ascii: ":"))
        two(Int(secs % 3600 / 60)); bytes.append(UInt8(ascii: ":"))
        two(Int(secs % 60))
        bytes.append(contentsOf: [UInt8(ascii: " "), UInt8(ascii: "+"), 48, 48, 48, 48, UInt8(ascii: "\"")])
    }
    mutating func dateField(_ k: StaticString, _ t: SandboxTimestamp) { key(k); rfc2822(t) }
    mutating func raw(_ s: String) { separate(); bytes.append(contentsOf: s.utf8) }
    mutating func optionalString(_ s: String?) { if let s { string(s) } else { null() } }

    // Convenience "key: value" writers.
    mutating func field(_ k: StaticString, _ v: String) { key(k); string(v) }
    mutating func field(_ k: StaticString, _ v: Int) { key(k); int(v) }
    mutating func field(_ k: StaticString, _ v: Bool) { key(k); bool(v) }
    mutating func field(_ k: StaticString, _ v: SandboxMoney) { key(k); money(v) }
    mutating func nullField(_ k: StaticString) { key(k); null() }

    private mutating func appendInt(_ v: Int64) {
        if v == 0 { bytes.append(48); return }
        var x = v.magnitude
        if v < 0 { bytes.append(UInt8(ascii: "-")) }
        var divisor: UInt64 = 1
        while divisor <= x / 10 { divisor *= 10 }
        while divisor > 0 {
            bytes.append(UInt8(48 + x / divisor))
            x %= divisor
            divisor /= 10
        }
    }

    private mutating func writeEscaped(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\\")); bytes.append(b)
            case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(b)
            case 0x0A: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "t"))
            case 0..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), 48, 48, hex[Int(b >> 4)], hex[Int(b & 0xF)]])
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
