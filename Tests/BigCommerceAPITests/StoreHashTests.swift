import DropStreamHarness
import Testing

@testable import BigCommerceAPI

@Suite("StoreHash parsing")
struct StoreHashTests {
    static let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")

    static func randomHash(_ rng: inout SeededGenerator) -> String {
        let length = Int.random(in: 1...StoreHash.maximumLength, using: &rng)
        return String((0..<length).map { _ in alphabet.randomElement(using: &rng)! })
    }

    static func randomWhitespace(_ rng: inout SeededGenerator) -> String {
        let pieces = ["", "", " ", "  ", "\t", "\n", " \n", "\r\n"]
        return pieces.randomElement(using: &rng)!
    }

    /// Dresses a hash in one of the forms an operator might paste.
    static func randomDecoration(of hash: String, _ rng: inout SeededGenerator) -> String {
        let scheme = ["", "https://", "http://", "HTTPS://"].randomElement(using: &rng)!
        let host = ["api.bigcommerce.com", "API.BigCommerce.com", "127.0.0.1:8080", "localhost:9000"].randomElement(using: &rng)!
        let version = ["", "/v2", "/v3"].randomElement(using: &rng)!
        let tail = version.isEmpty ? "" : ["", "/orders", "/catalog/products", "/orders/100/shipments"].randomElement(using: &rng)!
        let trailingSlash = Bool.random(using: &rng) ? "/" : ""
        let path = "/stores/\(hash)\(version)\(tail)\(trailingSlash)"
        let form: String
        switch Int.random(in: 0...4, using: &rng) {
        case 0: form = hash
        case 1: form = "stores/\(hash)"
        case 2: form = path
        case 3: form = scheme.isEmpty ? "api.bigcommerce.com\(path)" : "\(scheme)\(host)\(path)"
        default: form = "\(scheme.isEmpty ? "https://" : scheme)\(host)\(path)"
        }
        return randomWhitespace(&rng) + form + randomWhitespace(&rng)
    }

    @Test("the example from the help article")
    func articleExample() throws {
        #expect(try StoreHash(parsing: "https://api.bigcommerce.com/stores/abcde/v3/").rawValue == "abcde")
        #expect(try StoreHash(parsing: "abcde").rawValue == "abcde")
        #expect(try StoreHash(parsing: "  api.bigcommerce.com/stores/abcde/v2\n").rawValue == "abcde")
        #expect(try StoreHash(parsing: "/stores/abcde").rawValue == "abcde")
        #expect(try StoreHash(parsing: "store-abcde.mybigcommerce.com").rawValue == "abcde")
        #expect(try StoreHash(parsing: "ABCDE").rawValue == "abcde")
    }

    @Test("every decorated form of a random valid hash parses back to the hash", arguments: 0..<8)
    func decoratedHashesRoundTrip(seedIndex: UInt64) throws {
        var rng = SeededGenerator(seed: 0xB16C_0000 + seedIndex)
        for _ in 0..<500 {
            let hash = Self.randomHash(&rng)
            let input = Self.randomDecoration(of: hash, &rng)
            let parsed = try StoreHash(parsing: input)
            #expect(parsed.rawValue == hash, "seed \(seedIndex): \(input.debugDescription)")
            #expect(try StoreHash(parsing: parsed.context) == parsed)
            #expect(try StoreHash(context: parsed.context) == parsed)
            #expect(try StoreHash(parsing: "https://api.bigcommerce.com" + parsed.apiPathPrefix + "/v3/") == parsed)
        }
    }

    @Test("a hash with any forbidden character is rejected, naming the character", arguments: 0..<4)
    func forbiddenCharactersAreRejected(seedIndex: UInt64) {
        var rng = SeededGenerator(seed: 0xBAD0_0000 + seedIndex)
        let forbidden: [Character] = ["-", "_", "%", "@", "!", "é", "ß", "*", "'", "\"", "$", "🙂", "+", "=", "~", ";"]
        for _ in 0..<300 {
            var characters = Array(Self.randomHash(&rng))
            let bad = forbidden.randomElement(using: &rng)!
            characters.insert(bad, at: Int.random(in: 0...characters.count, using: &rng))
            let hash = String(characters)
            let input = Bool.random(using: &rng) ? hash : "https://api.bigcommerce.com/stores/\(hash)/v3/"
            #expect(throws: StoreHashError.self, "seed \(seedIndex): \(input.debugDescription)") {
                try StoreHash(parsing: input)
            }
            do {
                _ = try StoreHash(parsing: input)
            } catch {
                #expect("\(error)".contains("e.g. https://api.bigcommerce.com/stores/abcde/v3/"))
            }
        }
    }

    @Test("hashes longer than the maximum are rejected", arguments: 0..<2)
    func overlongHashesAreRejected(seedIndex: UInt64) {
        var rng = SeededGenerator(seed: 0x1006_0000 + seedIndex)
        for _ in 0..<200 {
            let length = Int.random(in: (StoreHash.maximumLength + 1)...200, using: &rng)
            let hash = String((0..<length).map { _ in Self.alphabet.randomElement(using: &rng)! })
            #expect(throws: StoreHashError(.tooLong(length))) { try StoreHash(parsing: hash) }
        }
    }

    @Test("random printable garbage never parses to a hash it does not contain", arguments: 0..<4)
    func garbageIsRejectedOrFaithful(seedIndex: UInt64) {
        var rng = SeededGenerator(seed: 0x6A6B_0000 + seedIndex)
        let printable = Array(" !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~")
        for _ in 0..<1_000 {
            let length = Int.random(in: 0...60, using: &rng)
            let input = String((0..<length).map { _ in printable.randomElement(using: &rng)! })
            if let parsed = try? StoreHash(parsing: input) {
                // Whatever parses must be a letters-and-digits hash found in the input.
                #expect(parsed.rawValue.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber) })
                #expect(input.lowercased().contains(parsed.rawValue), "seed \(seedIndex): \(input.debugDescription)")
            }
        }
    }

    @Test(
        "inputs that are not API paths are rejected with the expected form",
        arguments: [
            ("", StoreHashError.Reason.empty),
            ("   \n", .empty),
            ("https://api.bigcommerce.com/", .missingStoresSegment),
            ("https://api.bigcommerce.com/v3/stores/abcde", .missingStoresSegment),
            ("https://api.bigcommerce.com/stores/", .missingHashAfterStores),
            ("https://api.bigcommerce.com/stores//v3/", .missingHashAfterStores),
            ("/stores//v2", .missingHashAfterStores),
            ("https://api.bigcommerce.com/stores/abcde/v4/", .unexpectedPathAfterHash("v4")),
            ("https://api.bigcommerce.com/stores/abcde/orders", .unexpectedPathAfterHash("orders")),
            ("ftp://api.bigcommerce.com/stores/abcde/v3", .unsupportedScheme("ftp")),
            ("https://api.bigcommerce.com/stores/abcde/v3?x=1", .unexpectedQueryOrFragment),
            ("abc de", .invalidCharacter(" ")),
            ("example.com", .missingStoresSegment),
            ("shop/abcde", .missingStoresSegment),
        ])
    func rejectedInputs(input: String, reason: StoreHashError.Reason) {
        #expect(throws: StoreHashError(reason)) { try StoreHash(parsing: input) }
        let message = StoreHashError(reason).description
        #expect(message.hasPrefix("Invalid store hash:"))
        #expect(message.contains("expected a store hash"))
    }

    @Test("a context must be exactly stores/{hash}")
    func contexts() throws {
        #expect(try StoreHash(context: "stores/g5cd38").rawValue == "g5cd38")
        #expect(throws: StoreHashError(.notAStoreContext)) { try StoreHash(context: "store/g5cd38") }
        #expect(throws: StoreHashError.self) { try StoreHash(context: "stores/g5cd38/v3") }
        #expect(throws: StoreHashError.self) { try StoreHash(context: "stores/") }
    }

    @Test("an error never echoes the input (a pasted token must not reach a log)")
    func errorsDoNotEchoInput() {
        let pasted = "https://api.bigcommerce.com/stores/abcde/v3/?access_token=qwertyuiopasdfghjkl"
        do {
            _ = try StoreHash(parsing: pasted)
            Issue.record("should not parse")
        } catch {
            #expect(!"\(error)".contains("qwertyuiop"))
        }
    }
}
