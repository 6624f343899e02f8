import AsyncHTTPClient
import Foundation
import NIOCore

/// Small HTTP helpers: query/form decoding the way BigCommerce's servers see it (`+` is a space),
/// form encoding, and an outbound GET for callbacks.
enum SandboxHTTP {
    /// Decodes `a=1&b=x+y&c=%2B00%3A00` (first value of a repeated key wins).
    static func decodeForm(_ s: Substring) -> [String: String] {
        var out: [String: String] = [:]
        for pair in s.split(separator: "&", omittingEmptySubsequences: true) {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let k = percentDecode(kv[0])
            let v = kv.count > 1 ? percentDecode(kv[1]) : ""
            if out[k] == nil { out[k] = v }
        }
        return out
    }

    static func percentDecode(_ s: Substring) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(s.utf8.count)
        var it = Array(s.utf8)[...]
        while let b = it.popFirst() {
            if b == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if b == UInt8(ascii: "%"), it.count >= 2, let h = hex(it[it.startIndex]), let l = hex(it[it.startIndex + 1]) {
                bytes.append(h << 4 | l)
                it = it.dropFirst(2)
            } else {
                bytes.append(b)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case 48...57: return b - 48
        case 65...70: return b - 55
        case 97...102: return b - 87
        default: return nil
        }
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// Percent-encodes everything but unreserved characters (`/` → `%2F`, space → `%20`).
    static func formEncode(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: unreserved) ?? s }

    /// GETs a URL and returns its status (used for the uninstall callback).
    static func get(_ url: String) async throws -> Int {
        var req = HTTPClientRequest(url: url)
        req.method = .GET
        let resp = try await HTTPClient.shared.execute(req, timeout: .seconds(10))
        _ = try await resp.body.collect(upTo: 1 << 20)
        return Int(resp.status.code)
    }

    static func html(_ s: String) -> String {
        var o = ""
        for ch in s {
            switch ch {
            case "<": o += "&lt;"
            case ">": o += "&gt;"
            case "&": o += "&amp;"
            case "\"": o += "&quot;"
            case "'": o += "&#39;"
            default: o.append(ch)
            }
        }
        return o
    }
}
