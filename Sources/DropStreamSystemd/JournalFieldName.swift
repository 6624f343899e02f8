/// Turns arbitrary keys (swift-log metadata keys) into valid journal field names.
///
/// journald accepts a user field name only if it is 1–64 characters of `A–Z`, `0–9` and `_`, and
/// does not start with `_` (reserved for trusted fields journald adds itself) or a digit. An entry
/// with an invalid name is rejected whole by `sd_journal_sendv`, so every key goes through here.
public enum JournalFieldName {
    /// The longest field name journald accepts.
    public static let maximumLength = 64

    /// Prepended when a sanitised name would start with `_` or a digit; the same letter Rust's
    /// `tracing-journald` uses, so `_id` becomes `F_ID` and `2fa` becomes `F2FA`.
    public static let prefix = "F"

    /// The journal field name for `key`, or `nil` when `key` has no letter or digit to keep.
    ///
    /// Lower-case ASCII letters are upper-cased; every other character outside `A–Z`, `0–9`, `_`
    /// (one per Unicode scalar) becomes `_`. So `store` → `STORE`, `order.id` → `ORDER_ID`,
    /// `http-status` → `HTTP_STATUS`. The result is cut to ``maximumLength``.
    public static func sanitise(_ key: String) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(min(key.unicodeScalars.count, maximumLength))
        for scalar in key.unicodeScalars {
            switch scalar.value {
            case 0x61...0x7A: bytes.append(UInt8(scalar.value - 0x20))  // a-z
            case 0x41...0x5A, 0x30...0x39: bytes.append(UInt8(scalar.value))  // A-Z, 0-9
            default: bytes.append(underscore)
            }
            // Anything past the limit is cut anyway (the prefix only ever makes it longer).
            if bytes.count == maximumLength { break }
        }
        if let first = bytes.first, first == underscore || isDigit(first) {
            bytes.insert(contentsOf: prefix.utf8, at: 0)
            bytes.removeLast(max(0, bytes.count - maximumLength))
            // "..." or "🙂" would give "F___" or "F_": valid, but nothing anyone could search for.
            guard bytes.dropFirst(prefix.utf8.count).contains(where: { $0 != underscore }) else { return nil }
        } else if bytes.isEmpty {
            return nil
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether journald accepts `name` as a field sent by a client (mirrors journald's
    /// `journal_field_valid(..., allow_protected: false)`).
    public static func isValid(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= maximumLength else { return false }
        guard first != underscore, !isDigit(first) else { return false }
        return bytes.allSatisfy { (0x41...0x5A).contains($0) || isDigit($0) || $0 == underscore }
    }

    private static let underscore = UInt8(ascii: "_")
    private static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }
}
