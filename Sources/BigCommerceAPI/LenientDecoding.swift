import Foundation

/// Any JSON value. Used for fields whose type the API does not keep stable (`credit_card_type`
/// is `null` in some examples, `{}` in others) so that they can never fail a decode.
public enum JSONValue: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

/// A coding key made from any string, so models can read fields by their wire names.
struct WireKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { return nil }
}

/// Reads fields the way the reference says they arrive rather than the way the schema claims:
/// numbers as strings and strings as numbers, money as decimal strings, `""` for "no date".
///
/// Missing and `null` optional fields decode as their empty value, so fields BigCommerce adds,
/// drops or nulls do not break a sync. Values that are present but cannot mean what the field
/// means (money `"abc"`, a date `"yesterday"`) throw, with the field in the coding path: a
/// silently zeroed total is worse than a clear error.
struct LenientFields {
    let container: KeyedDecodingContainer<WireKey>

    init(_ decoder: any Decoder) throws {
        container = try decoder.container(keyedBy: WireKey.self)
    }

    func has(_ name: String) -> Bool {
        container.contains(WireKey(name)) && (try? container.decodeNil(forKey: WireKey(name))) == false
    }

    /// A required integer; accepts `12`, `12.0` and `"12"`.
    func int(_ name: String) throws -> Int {
        let key = WireKey(name)
        guard let value = try optionalInt(name) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: container.codingPath, debugDescription: "Required integer field is missing or null."))
        }
        return value
    }

    func optionalInt(_ name: String) throws -> Int? {
        let key = WireKey(name)
        guard has(name) else { return nil }
        if let value = try? container.decode(Int.self, forKey: key) { return value }
        if let value = try? container.decode(Double.self, forKey: key), value.rounded() == value, abs(value) < 1e15 {
            return Int(value)
        }
        if let text = try? container.decode(String.self, forKey: key) {
            let trimmed = text.trimmingWhitespace()
            if trimmed.isEmpty { return nil }
            if let value = Int(trimmed) { return value }
        }
        throw DecodingError.typeMismatch(Int.self, .init(codingPath: container.codingPath + [key], debugDescription: "Expected an integer or an integer string."))
    }

    func intOrZero(_ name: String) throws -> Int { try optionalInt(name) ?? 0 }

    /// A string; numbers are rendered as text, missing or null becomes nil.
    func optionalString(_ name: String) throws -> String? {
        let key = WireKey(name)
        guard has(name) else { return nil }
        if let value = try? container.decode(String.self, forKey: key) { return value }
        if let value = try? container.decode(Int.self, forKey: key) { return String(value) }
        if let value = try? container.decode(Double.self, forKey: key) { return String(value) }
        if let value = try? container.decode(Bool.self, forKey: key) { return String(value) }
        throw DecodingError.typeMismatch(String.self, .init(codingPath: container.codingPath + [key], debugDescription: "Expected a string or a number."))
    }

    func string(_ name: String) throws -> String { try optionalString(name) ?? "" }

    /// `true`/`false`, `0`/`1`, `"true"`/`"false"`; missing or null is false.
    func bool(_ name: String) throws -> Bool {
        let key = WireKey(name)
        guard has(name) else { return false }
        if let value = try? container.decode(Bool.self, forKey: key) { return value }
        if let value = try? container.decode(Int.self, forKey: key) { return value != 0 }
        if let text = try? container.decode(String.self, forKey: key) {
            switch text.lowercased() {
            case "true", "1", "yes": return true
            case "false", "0", "no", "": return false
            default: break
            }
        }
        throw DecodingError.typeMismatch(Bool.self, .init(codingPath: container.codingPath + [key], debugDescription: "Expected a boolean."))
    }

    /// Money and other decimals: `"361.9500"`, `"924.47"` or a JSON number. Missing, null and
    /// `""` are nil.
    func optionalDecimal(_ name: String) throws -> Decimal? {
        let key = WireKey(name)
        guard has(name) else { return nil }
        if let text = try? container.decode(String.self, forKey: key) {
            let trimmed = text.trimmingWhitespace()
            if trimmed.isEmpty { return nil }
            if let value = DecimalText.parse(trimmed) { return value }
            throw DecodingError.dataCorrupted(.init(codingPath: container.codingPath + [key], debugDescription: "Expected a decimal number string."))
        }
        if let value = try? container.decode(Decimal.self, forKey: key) { return value }
        throw DecodingError.typeMismatch(Decimal.self, .init(codingPath: container.codingPath + [key], debugDescription: "Expected a decimal string or a number."))
    }

    /// Money where an absent value means zero (discounts, refunds, costs).
    func decimalOrZero(_ name: String) throws -> Decimal { try optionalDecimal(name) ?? 0 }

    /// RFC 2822 (what responses use) or ISO 8601 with offset; `""`, missing and null are nil.
    func optionalDate(_ name: String) throws -> Date? {
        let key = WireKey(name)
        guard has(name) else { return nil }
        let text = try container.decode(String.self, forKey: key).trimmingWhitespace()
        if text.isEmpty { return nil }
        if let date = BigCommerceDateFormat.parseRFC2822(text) ?? BigCommerceDateFormat.parseISO8601(text) { return date }
        throw DecodingError.dataCorrupted(.init(codingPath: container.codingPath + [key], debugDescription: "Expected an RFC 2822 date (e.g. Tue, 05 Mar 2019 21:40:11 +0000) or an empty string."))
    }

    func date(_ name: String) throws -> Date {
        guard let date = try optionalDate(name) else {
            throw DecodingError.keyNotFound(WireKey(name), .init(codingPath: container.codingPath, debugDescription: "Required date field is missing or empty."))
        }
        return date
    }

    /// A nested value decoded with its own rules; missing or null is nil.
    func optional<Value: Decodable>(_ type: Value.Type, _ name: String) throws -> Value? {
        guard has(name) else { return nil }
        return try container.decode(Value.self, forKey: WireKey(name))
    }

    /// An array that may also arrive as a `{url, resource}` link (not embedded) — nil then.
    func embeddedArray<Element: Decodable>(_ type: Element.Type, _ name: String) throws -> [Element]? {
        guard has(name) else { return nil }
        let key = WireKey(name)
        if let link = try? container.decode(ResourceLink.self, forKey: key), link.isLink { return nil }
        return try container.decode([Element].self, forKey: key)
    }
}

/// `{"url": "...", "resource": "/orders/100/products"}`: how v2 refers to a sub-resource it did
/// not embed.
struct ResourceLink: Decodable {
    var url: String?
    var resource: String?
    var isLink: Bool { url != nil || resource != nil }
}

/// Strict decimal text: optional sign, digits, optional fraction. `Decimal(string:)` alone
/// accepts a numeric prefix of garbage ("12abc" → 12), which would hide a broken response.
enum DecimalText {
    static func parse(_ text: String) -> Decimal? {
        var sawDigit = false
        var sawPoint = false
        for (offset, byte) in text.utf8.enumerated() {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): sawDigit = true
            case UInt8(ascii: "."): if sawPoint { return nil } else { sawPoint = true }
            case UInt8(ascii: "-"), UInt8(ascii: "+"): if offset != 0 { return nil }
            default: return nil
            }
        }
        guard sawDigit else { return nil }
        let unsigned = text.hasPrefix("+") ? String(text.dropFirst()) : text
        return Decimal(string: unsigned, locale: Locale(identifier: "en_US_POSIX"))
    }
}
