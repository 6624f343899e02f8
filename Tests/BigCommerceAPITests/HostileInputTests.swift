import Crypto
import DropStreamHarness
import Foundation
import NIOCore
import NIOHTTP1
import Testing

@testable import BigCommerceAPI

/// Builds hostile variants of valid JSON: structural mutations on the parsed tree, then byte
/// mutations on the text. Every case is reproducible from the seed printed with a failure.
struct JSONMutator {
    var rng: SeededGenerator

    /// Values of the wrong kind, of absurd size, or of awkward text.
    mutating func hostileValue() -> Any {
        switch Int.random(in: 0...17, using: &rng) {
        case 0: return NSNull()
        case 1: return Bool.random(using: &rng)
        case 2: return 1e308
        case 3: return -1e308
        case 4: return Int.max
        case 5: return Int.min
        case 6: return "1" + String(repeating: "0", count: Int.random(in: 20...400, using: &rng))
        case 7: return "-0.0000000000000000000000000000000000000001"
        case 8: return ""
        case 9: return String(repeating: "x", count: Int.random(in: 1000...20_000, using: &rng))
        case 10: return ["\u{0}", "\u{202E}evil", "😀🧨", "e\u{301}", "\u{FEFF}", "\u{10FFFF}", "\\", "\"", "Tue, 31 Feb 2019 25:61:61 +9999"]
            .randomElement(using: &rng)!
        case 11: return [Any]()
        case 12: return [String: Any]()
        case 13: return nested(depth: Int.random(in: 10...100, using: &rng))
        case 14: return 0.5
        case 15: return -1
        case 16: return ["url": "x", "resource": "/y"]
        default: return String(Int.random(in: Int.min...Int.max, using: &rng))
        }
    }

    mutating func nested(depth: Int) -> Any {
        var value: Any = Bool.random(using: &rng) ? [Any]() : [String: Any]()
        for _ in 0..<depth { value = Bool.random(using: &rng) ? [value] : ["k": value] }
        return value
    }

    /// One structural mutation somewhere in the tree.
    mutating func mutate(_ value: Any, depth: Int = 0) -> Any {
        if var object = value as? [String: Any], !object.isEmpty {
            let key = object.keys.sorted().randomElement(using: &rng)!
            switch Int.random(in: 0...5, using: &rng) {
            case 0: object.removeValue(forKey: key)
            case 1, 2: object[key] = hostileValue()
            case 3: object["unexpected_\(Int.random(in: 0...99, using: &rng))"] = hostileValue()
            default: object[key] = mutate(object[key]!, depth: depth + 1)
            }
            return object
        }
        if var array = value as? [Any], !array.isEmpty {
            let index = Int.random(in: 0..<array.count, using: &rng)
            switch Int.random(in: 0...3, using: &rng) {
            case 0: array.remove(at: index)
            case 1: array[index] = hostileValue()
            case 2: array.append(contentsOf: Array(repeating: array[index], count: Int.random(in: 1...50, using: &rng)))
            default: array[index] = mutate(array[index], depth: depth + 1)
            }
            return array
        }
        return hostileValue()
    }

    /// Byte-level damage: truncation, flipped or inserted bytes, deep nesting, pure noise.
    mutating func damage(_ bytes: [UInt8]) -> [UInt8] {
        var bytes = bytes
        switch Int.random(in: 0...5, using: &rng) {
        case 0:
            bytes = Array(bytes.prefix(Int.random(in: 0..<max(bytes.count, 1), using: &rng)))
        case 1:
            for _ in 0..<Int.random(in: 1...8, using: &rng) where !bytes.isEmpty {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
        case 2:
            let noise = (0..<Int.random(in: 1...32, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            bytes.insert(contentsOf: noise, at: Int.random(in: 0...bytes.count, using: &rng))
        case 3:
            let depth = Int.random(in: 500...3_000, using: &rng)
            bytes = Array(repeating: UInt8(ascii: "["), count: depth) + bytes + Array(repeating: UInt8(ascii: "]"), count: depth)
        case 4:
            bytes = (0..<Int.random(in: 0...512, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        default:
            // Invalid UTF-8 inside a string value.
            if let quote = bytes.lastIndex(of: UInt8(ascii: "\"")) { bytes.insert(contentsOf: [0xC3, 0x28, 0xFF], at: quote) }
        }
        return bytes
    }

    /// A hostile document made from `valid` (parsed JSON): one to three structural mutations,
    /// and on one case in three byte damage on top.
    mutating func hostileDocument(from valid: Any) -> [UInt8] {
        var tree = valid
        for _ in 0..<Int.random(in: 1...3, using: &rng) { tree = mutate(tree) }
        var bytes = (try? JSONSerialization.data(withJSONObject: tree, options: [.fragmentsAllowed])).map(Array.init) ?? []
        if Int.random(in: 0...2, using: &rng) == 0 { bytes = damage(bytes) }
        return bytes
    }
}

/// Walks a decoded value and reports what no sane decode may produce: a NaN decimal, a date
/// outside years 1–9999, a non-finite double.
enum SanityCheck {
    static func problems(in value: Any, path: String = "") -> [String] {
        var found: [String] = []
        switch value {
        case let decimal as Decimal:
            if decimal.isNaN { found.append("\(path): NaN decimal") }
        case let date as Date:
            let seconds = date.timeIntervalSince1970
            if !seconds.isFinite || seconds < -62_135_596_800 || seconds > 253_402_300_799 { found.append("\(path): date \(seconds)") }
        case let double as Double:
            if !double.isFinite { found.append("\(path): \(double)") }
        case let string as String:
            _ = string.utf8.count
        default:
            let mirror = Mirror(reflecting: value)
            if mirror.displayStyle == .optional {
                if let child = mirror.children.first { found += problems(in: child.value, path: path) }
            } else {
                for (index, child) in mirror.children.enumerated() {
                    found += problems(in: child.value, path: path + "." + (child.label ?? String(index)))
                }
            }
        }
        return found
    }
}

@Suite("Hostile input: order JSON, dates, signed payloads, store hashes (issue 8)", .timeLimit(.minutes(2)))
struct HostileInputTests {
    static func response(_ bytes: [UInt8]) -> APIResponse {
        APIResponse(status: 200, headers: HTTPHeaders(), body: ByteBuffer(bytes: bytes))
    }

    /// Decodes like the client does; the only errors allowed are the typed decoding ones.
    func decodeOrFail<Value: Decodable>(_ type: Value.Type, _ bytes: [UInt8], seed: UInt64, index: Int) -> Value? {
        do {
            return try ResponseInterpreter.decode(Value.self, from: Self.response(bytes), endpoint: "GET /v2/orders")
        } catch {
            switch error {
            case .decoding(let endpoint, _, let reason), .invalidResponse(let endpoint, let reason):
                #expect(endpoint == "GET /v2/orders" && !reason.isEmpty, "seed \(seed) case \(index)")
                // A refused document is described by path and kind, never by its values.
                #expect(!error.description.contains("xxxxxxxxxx"), "seed \(seed) case \(index): the error echoes input")
            default:
                Issue.record("seed \(seed) case \(index): unexpected error \(error)")
            }
            return nil
        }
    }

    @Test("mutated order JSON decodes to sane values or throws a typed decoding error", arguments: 0..<4)
    func mutatedOrders(seedIndex: UInt64) throws {
        let seed = 0x0DE2_0000 + seedIndex
        var mutator = JSONMutator(rng: SeededGenerator(seed: seed))
        let fixtures = [ModelFixtures.orderWithLinks, ModelFixtures.orderWithConsignments]
            .map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) }
        var decoded = 0
        for index in 0..<250 {
            let valid = fixtures[index % fixtures.count]
            let bytes = mutator.hostileDocument(from: valid)
            if let order = decodeOrFail(Order.self, bytes, seed: seed, index: index) {
                decoded += 1
                let problems = SanityCheck.problems(in: order)
                #expect(problems.isEmpty, "seed \(seed) case \(index): \(problems)")
            }
        }
        // Some mutations touch fields the client ignores; the rest must be refused.
        #expect(decoded > 0 && decoded < 250, "seed \(seed): \(decoded) of 250 decoded")
    }

    @Test("mutated order lists, products and shipping addresses never crash", arguments: 0..<2)
    func mutatedListsAndSubresources(seedIndex: UInt64) throws {
        let seed = 0x11C7_0000 + seedIndex
        var mutator = JSONMutator(rng: SeededGenerator(seed: seed))
        let list = try JSONSerialization.jsonObject(with: Data("[\(ModelFixtures.orderWithLinks),\(ModelFixtures.orderWithConsignments)]".utf8))
        let products = try JSONSerialization.jsonObject(with: Data(ModelFixtures.products.utf8))
        let addresses = try JSONSerialization.jsonObject(with: Data(ModelFixtures.shippingAddresses.utf8))
        for index in 0..<80 {
            if let orders = decodeOrFail([Order].self, mutator.hostileDocument(from: list), seed: seed, index: index) {
                #expect(SanityCheck.problems(in: orders).isEmpty, "seed \(seed) case \(index)")
            }
            if let lines = decodeOrFail([OrderProduct].self, mutator.hostileDocument(from: products), seed: seed, index: index) {
                #expect(SanityCheck.problems(in: lines).isEmpty, "seed \(seed) case \(index)")
            }
            if let shipTo = decodeOrFail([OrderShippingAddress].self, mutator.hostileDocument(from: addresses), seed: seed, index: index) {
                #expect(SanityCheck.problems(in: shipTo).isEmpty, "seed \(seed) case \(index)")
            }
        }
    }

    @Test("huge money values never become NaN or a silently different number")
    func hugeMoney() throws {
        var object = try #require(try JSONSerialization.jsonObject(with: Data(ModelFixtures.orderWithLinks.utf8)) as? [String: Any])
        for text in ["1" + String(repeating: "0", count: 39), "1" + String(repeating: "0", count: 300), "9" + String(repeating: "9", count: 200) + ".99",
                     "0." + String(repeating: "0", count: 200) + "1"] {
            object["total_inc_tax"] = text
            let bytes = Array(try JSONSerialization.data(withJSONObject: object))
            if let order = decodeOrFail(Order.self, bytes, seed: 0, index: text.count) {
                #expect(!order.totalIncTax.isNaN, "\(text.prefix(20))… (\(text.count) characters)")
            }
        }
    }

    @Test("random text never crashes the date parsers, and what parses round-trips", arguments: 0..<4)
    func hostileDates(seedIndex: UInt64) {
        let seed = 0xDA7E_F000 + seedIndex
        var rng = SeededGenerator(seed: seed)
        let valid = ["Tue, 05 Mar 2019 21:40:11 +0000", "Mon, 01 Jan 2024 10:00:00 -0500", "2019-03-05T21:40:11+00:00", "2024-01-01T10:00:00Z"]
        let alphabet = Array("0123456789 :+-TZ,.aAbBeEnNoOuUrRsStTMmWwFfJjDd\u{0}\u{FF}😀\t\n")
        for index in 0..<2000 {
            var characters = Array(valid.randomElement(using: &rng)!)
            switch Int.random(in: 0...4, using: &rng) {
            case 0: characters = Array(characters.prefix(Int.random(in: 0...characters.count, using: &rng)))
            case 1:
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    characters[Int.random(in: 0..<characters.count, using: &rng)] = alphabet.randomElement(using: &rng)!
                }
            case 2: characters.insert(contentsOf: String(repeating: "9", count: Int.random(in: 1...40, using: &rng)), at: Int.random(in: 0...characters.count, using: &rng))
            case 3: characters = (0..<Int.random(in: 0...60, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            default: characters += Array(String(repeating: " ", count: Int.random(in: 0...3, using: &rng)) + "+99999")
            }
            let text = String(characters)
            for (name, parse, format) in [("RFC 2822", BigCommerceDateFormat.parseRFC2822, BigCommerceDateFormat.formatRFC2822),
                                          ("ISO 8601", BigCommerceDateFormat.parseISO8601, BigCommerceDateFormat.formatISO8601)] {
                guard let date = parse(text) else { continue }
                #expect(SanityCheck.problems(in: date).isEmpty, "seed \(seed) case \(index): \(name) \(text.debugDescription)")
                #expect(parse(format(date)) == date, "seed \(seed) case \(index): \(name) \(text.debugDescription) does not round-trip")
            }
        }
    }

    // MARK: signed payloads

    static let secret = "test-client-secret"
    static let verifier = SignedPayloadVerifier(
        credentials: AppCredentials(clientID: "test-client-id", clientSecret: ClientSecret(secret)), allowedClockSkew: .seconds(30))
    static let now = Date(timeIntervalSince1970: 1_700_000_000)

    static func sign(header: [UInt8], payload: [UInt8]) -> String {
        let input = Base64.encodeURLSafe(header) + "." + Base64.encodeURLSafe(payload)
        let mac = HMAC<SHA256>.authenticationCode(for: Array(input.utf8), using: SymmetricKey(data: Array(secret.utf8)))
        return input + "." + Base64.encodeURLSafe(Array(mac))
    }

    static var validClaims: [String: Any] { [
        "aud": "test-client-id", "iss": "bc", "iat": 1_700_000_000, "nbf": 1_699_999_995, "exp": 1_700_086_395,
        "jti": "6a1b5a8c-0000-4000-8000-000000000001", "sub": "stores/g5cd38",
        "user": ["id": 9_876_543, "email": "user@example.com", "locale": "en-US"], "owner": ["id": 9_876_543, "email": "user@example.com"],
        "url": "/", "channel_id": NSNull(),
    ] }
    static var validHeader: [String: Any] { ["alg": "HS256", "typ": "JWT"] }

    @Test("tampered JWTs are refused with a typed error", arguments: 0..<4)
    func tamperedJWTs(seedIndex: UInt64) throws {
        let seed = 0x5E_0000 + seedIndex
        var rng = SeededGenerator(seed: seed)
        let valid = Self.sign(header: Array(try JSONSerialization.data(withJSONObject: Self.validHeader)),
                              payload: Array(try JSONSerialization.data(withJSONObject: Self.validClaims)))
        #expect(try Self.verifier.verifyJWT(valid, now: Self.now).storeHash.rawValue == "g5cd38")
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \u{0}é😀")
        for index in 0..<1000 {
            var characters = Array(valid)
            switch Int.random(in: 0...5, using: &rng) {
            case 0: characters = Array(characters.prefix(Int.random(in: 0..<characters.count, using: &rng)))
            case 1:
                for _ in 0..<Int.random(in: 1...3, using: &rng) {
                    characters[Int.random(in: 0..<characters.count, using: &rng)] = alphabet.randomElement(using: &rng)!
                }
            case 2: characters.insert(alphabet.randomElement(using: &rng)!, at: Int.random(in: 0...characters.count, using: &rng))
            case 3:
                var parts = valid.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
                parts.shuffle(using: &rng)
                if Bool.random(using: &rng) { parts.append(parts[0]) } else { parts.removeLast() }
                characters = Array(parts.joined(separator: "."))
            case 4: characters = (0..<Int.random(in: 0...400, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            default: characters += Array(String(repeating: "A", count: Int.random(in: 1...10_000, using: &rng)))
            }
            let text = String(characters)
            guard text != valid else { continue }
            do {
                let claims = try Self.verifier.verifyJWT(text, now: Self.now)
                // Only a change the signature does not cover may pass (base64 padding bits).
                #expect(claims.storeHash.rawValue == "g5cd38", "seed \(seed) case \(index): \(text.debugDescription)")
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
    }

    @Test("correctly signed but hostile claims are refused or sane", arguments: 0..<4)
    func hostileSignedClaims(seedIndex: UInt64) throws {
        let seed = 0xC1A1_0000 + seedIndex
        var mutator = JSONMutator(rng: SeededGenerator(seed: seed))
        var accepted = 0
        for index in 0..<400 {
            let header = index % 5 == 0 ? mutator.hostileDocument(from: Self.validHeader) : Array(try JSONSerialization.data(withJSONObject: Self.validHeader))
            let payload = mutator.hostileDocument(from: Self.validClaims)
            let jwt = Self.sign(header: header, payload: payload)
            do {
                let claims = try Self.verifier.verifyJWT(jwt, now: Self.now)
                accepted += 1
                // What passes still names a valid store, is for us, and is in its time window.
                #expect(claims.audience == "test-client-id", "seed \(seed) case \(index)")
                #expect(!claims.storeHash.rawValue.isEmpty, "seed \(seed) case \(index)")
                #expect(claims.expiresAt.timeIntervalSince(Self.now) > -30, "seed \(seed) case \(index)")
                #expect(SanityCheck.problems(in: claims).isEmpty, "seed \(seed) case \(index)")
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
        #expect(accepted < 400, "seed \(seed): every hostile claim set was accepted")
    }

    @Test("random legacy signed_payload values are refused with a typed error", arguments: 0..<2)
    func hostileLegacyPayloads(seedIndex: UInt64) {
        let seed = 0x1E6A_0000 + seedIndex
        var rng = SeededGenerator(seed: seed)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=.-_ \u{0}é")
        for index in 0..<1000 {
            let text = String((0..<Int.random(in: 0...300, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
            do {
                _ = try Self.verifier.verifyLegacy(text)
                Issue.record("seed \(seed) case \(index): random text verified: \(text.debugDescription)")
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
    }

    @Test("arbitrary Unicode never crashes the store hash parser", arguments: 0..<2)
    func unicodeStoreHashes(seedIndex: UInt64) {
        let seed = 0x4A54_0000 + seedIndex
        var rng = SeededGenerator(seed: seed)
        for index in 0..<2000 {
            let scalars = (0..<Int.random(in: 0...80, using: &rng)).compactMap { _ in
                Unicode.Scalar(UInt32.random(in: 0...0x10FFFF, using: &rng))
            }
            var text = String(String.UnicodeScalarView(scalars))
            if Bool.random(using: &rng) { text = "https://api.bigcommerce.com/stores/" + text + "/v3/" }
            if let hash = try? StoreHash(parsing: text) {
                #expect(hash.rawValue.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }, "seed \(seed) case \(index): \(text.debugDescription)")
                #expect(hash.rawValue.count <= StoreHash.maximumLength, "seed \(seed) case \(index)")
            }
        }
    }
}
