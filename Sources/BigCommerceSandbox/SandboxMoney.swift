import Foundation

/// An exact money amount in ten-thousandths of the currency unit.
///
/// The v2 API sends money as strings with four decimals (`"361.9500"`); keeping the value as an
/// integer of 1/10,000 units makes that rendering exact and cheap.
public struct SandboxMoney: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The amount in 1/10,000 of the currency unit.
    public var tenThousandths: Int64

    public init(tenThousandths: Int64) { self.tenThousandths = tenThousandths }
    /// An amount in cents (hundredths).
    public init(cents: Int64) { self.tenThousandths = cents * 100 }

    /// Parses `"12.5"`, `"12.50"`, `"-3"`, `"361.9500"`; more than four decimals are rejected.
    public init?(_ string: String) {
        var s = Substring(string.trimmingCharacters(in: .whitespaces))
        var negative = false
        if s.first == "-" { negative = true; s = s.dropFirst() }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = Int64(parts[0].isEmpty ? "0" : String(parts[0])) else { return nil }
        var frac: Int64 = 0
        if parts.count == 2 {
            let f = parts[1]
            guard f.count <= 4, f.allSatisfy(\.isNumber) else { return nil }
            frac = Int64(f.padding(toLength: 4, withPad: "0", startingAt: 0)) ?? 0
        }
        let v = whole * 10_000 + frac
        self.tenThousandths = negative ? -v : v
    }

    public static let zero = SandboxMoney(tenThousandths: 0)

    /// `"361.9500"`
    public var description: String {
        let neg = tenThousandths < 0
        let a = neg ? -tenThousandths : tenThousandths
        let frac = a % 10_000
        var f = String(frac)
        while f.count < 4 { f = "0" + f }
        return (neg ? "-" : "") + String(a / 10_000) + "." + f
    }

    public static func + (l: SandboxMoney, r: SandboxMoney) -> SandboxMoney { .init(tenThousandths: l.tenThousandths + r.tenThousandths) }
    public static func - (l: SandboxMoney, r: SandboxMoney) -> SandboxMoney { .init(tenThousandths: l.tenThousandths - r.tenThousandths) }
    public static func * (l: SandboxMoney, r: Int) -> SandboxMoney { .init(tenThousandths: l.tenThousandths * Int64(r)) }
    public static func < (l: SandboxMoney, r: SandboxMoney) -> Bool { l.tenThousandths < r.tenThousandths }

    /// This amount times a rate in basis points (1/100 %), rounded half up to 1/100 of a cent.
    public func applying(basisPoints: Int) -> SandboxMoney {
        let p = tenThousandths * Int64(basisPoints)
        return .init(tenThousandths: (p + 5_000) / 10_000)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self), let m = SandboxMoney(s) {
            self = m
        } else {
            let d = try c.decode(Double.self)
            self.init(tenThousandths: Int64((d * 10_000).rounded()))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
