/// A BigCommerce store hash: the store's identifier in every API path (`/stores/{hash}/v2/...`).
///
/// Operators often paste the whole "API path" from the store's control panel instead of the bare
/// hash, so ``init(parsing:)`` accepts both and extracts the segment between `/stores/` and the
/// next `/`. Hashes are ASCII letters and digits; they are normalised to lower case because
/// BigCommerce issues them in lower case and URLs pasted from mail clients sometimes are not.
public struct StoreHash: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// The normalised (lower-case) hash, e.g. `abcde`.
    public let rawValue: String

    /// The longest hash accepted. Real hashes are about ten characters; the limit only keeps
    /// garbage (a pasted token, a paragraph) from being taken for a hash.
    public static let maximumLength = 32

    /// Parses a bare hash (`abcde`), an OAuth context (`stores/abcde`), an API path
    /// (`/stores/abcde/v3/`), an API URL with or without scheme
    /// (`https://api.bigcommerce.com/stores/abcde/v2`, any host, anything after `v2`/`v3`), or
    /// the legacy host `store-abcde.mybigcommerce.com`, ignoring surrounding whitespace.
    ///
    /// - Throws: ``StoreHashError`` saying what was expected and what was wrong.
    public init(parsing input: String) throws(StoreHashError) {
        self.rawValue = try StoreHashParser.parse(input)
    }

    /// Parses an OAuth/JWT context exactly of the form `stores/{hash}` (the `context` query
    /// parameter of the auth callback, the `sub` claim of a signed payload).
    public init(context: String) throws(StoreHashError) {
        let prefix = "stores/"
        guard context.hasPrefix(prefix) else {
            throw StoreHashError(.notAStoreContext)
        }
        self.rawValue = try StoreHashParser.validatedHash(String(context.dropFirst(prefix.count)))
    }

    /// The OAuth context for this store: `stores/{hash}`.
    public var context: String { "stores/\(rawValue)" }

    /// The API path prefix for this store: `/stores/{hash}`.
    public var apiPathPrefix: String { "/stores/\(rawValue)" }

    public var description: String { rawValue }

    public static func < (lhs: StoreHash, rhs: StoreHash) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self.rawValue = try StoreHashParser.validatedHash(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(error)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// Why a string could not be read as a ``StoreHash``. The description always says what input is
/// expected, so it can be shown to an operator as is; it never echoes the input (a mistakenly
/// pasted token must not end up in a log).
public struct StoreHashError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The specific problem.
    public enum Reason: Sendable, Equatable {
        /// Nothing but whitespace was given.
        case empty
        /// The hash (or the `/stores/` segment) contains a character that is not a letter or digit.
        case invalidCharacter(Character)
        /// The hash is longer than ``StoreHash/maximumLength``.
        case tooLong(Int)
        /// A path or URL was given but it has no `/stores/{hash}` segment.
        case missingStoresSegment
        /// The `/stores/` segment is followed by nothing.
        case missingHashAfterStores
        /// After `/stores/{hash}` came something other than `v2` or `v3`.
        case unexpectedPathAfterHash(String)
        /// The URL has a scheme other than http or https.
        case unsupportedScheme(String)
        /// The URL carries a query or fragment, which an API path never has.
        case unexpectedQueryOrFragment
        /// A context other than `stores/{hash}` was given where a context was required.
        case notAStoreContext
    }

    /// The specific problem.
    public let reason: Reason

    init(_ reason: Reason) { self.reason = reason }

    static let expectation =
        "expected a store hash (letters and digits, e.g. abcde) or the store's API path, e.g. https://api.bigcommerce.com/stores/abcde/v3/"

    public var description: String {
        let problem: String
        switch reason {
        case .empty:
            problem = "the input is empty"
        case .invalidCharacter(let character):
            let shown = character.isASCII && !character.isWhitespace && character.asciiValue.map { $0 >= 0x21 && $0 < 0x7F } == true
                ? "'\(character)'" : "U+" + character.unicodeScalars.map { String($0.value, radix: 16, uppercase: true) }.joined(separator: "+U+")
            problem = "the store hash contains \(shown), but only letters and digits are allowed"
        case .tooLong(let length):
            problem = "the store hash is \(length) characters long (at most \(StoreHash.maximumLength))"
        case .missingStoresSegment:
            problem = "the path has no /stores/{hash} segment"
        case .missingHashAfterStores:
            problem = "nothing follows /stores/"
        case .unexpectedPathAfterHash(let segment):
            problem = "/stores/{hash} is followed by '\(segment.prefix(20))' instead of v2 or v3"
        case .unsupportedScheme(let scheme):
            problem = "the URL scheme '\(scheme.prefix(10))' is not http or https"
        case .unexpectedQueryOrFragment:
            problem = "an API path has no query (?) or fragment (#)"
        case .notAStoreContext:
            return "expected a store context of the form stores/{hash}, e.g. stores/abcde"
        }
        return "Invalid store hash: \(problem); \(Self.expectation)"
    }
}

/// The grammar behind ``StoreHash/init(parsing:)``, kept apart so the rules read top to bottom.
enum StoreHashParser {
    static func parse(_ input: String) throws(StoreHashError) -> String {
        let trimmed = input.trimmingWhitespace()
        guard !trimmed.isEmpty else { throw StoreHashError(.empty) }

        // A bare hash is the common case and the only form without a separator.
        if !trimmed.contains(where: { $0 == "/" || $0 == ":" || $0 == "." }) {
            return try validatedHash(trimmed)
        }
        if trimmed.contains(where: { $0 == "?" || $0 == "#" }) {
            throw StoreHashError(.unexpectedQueryOrFragment)
        }

        var rest = Substring(trimmed)
        var hostWasGiven = false
        if let schemeEnd = rest.range(of: "://") {
            let scheme = rest[..<schemeEnd.lowerBound].lowercased()
            guard scheme == "http" || scheme == "https" else {
                throw StoreHashError(.unsupportedScheme(String(scheme)))
            }
            rest = rest[schemeEnd.upperBound...]
            hostWasGiven = true
        }

        // Without a scheme, anything before the first "/" that looks like a host
        // ("api.bigcommerce.com", "localhost:8080") is a host; "stores" is a path segment.
        var segments = rest.split(separator: "/", omittingEmptySubsequences: false)
        if !rest.hasPrefix("/"), let first = segments.first, first != "stores" {
            if !hostWasGiven && !(first.contains(".") || first.contains(":")) {
                throw StoreHashError(.missingStoresSegment)
            }
            hostWasGiven = true
        }
        if hostWasGiven {
            let host = segments.removeFirst().lowercased()
            // The legacy storefront API host carries the hash in the host name.
            if let hash = legacyStorefrontHash(host: host), segments.allSatisfy({ $0.isEmpty || $0 == "api" || $0 == "v2" }) {
                return try validatedHash(hash)
            }
        }
        let pathSegments = segments.filter { !$0.isEmpty }
        guard let storesIndex = pathSegments.firstIndex(of: "stores"), storesIndex == pathSegments.startIndex else {
            throw StoreHashError(.missingStoresSegment)
        }
        // The hash is the segment right after "stores": "/stores//v3/" has an empty one, and
        // must not be read as the hash "v3".
        if let rawStores = segments.firstIndex(of: "stores"), segments.index(after: rawStores) < segments.endIndex,
           segments[segments.index(after: rawStores)].isEmpty {
            throw StoreHashError(.missingHashAfterStores)
        }
        let afterStores = pathSegments.dropFirst()
        guard let hashSegment = afterStores.first else { throw StoreHashError(.missingHashAfterStores) }
        let hash = try validatedHash(String(hashSegment))
        let afterHash = afterStores.dropFirst()
        if let version = afterHash.first, version != "v2", version != "v3" {
            throw StoreHashError(.unexpectedPathAfterHash(String(version)))
        }
        return hash
    }

    /// `store-abcde.mybigcommerce.com` → `abcde`.
    static func legacyStorefrontHash(host: String) -> String? {
        let hostWithoutPort = host.split(separator: ":", maxSplits: 1).first.map(String.init) ?? host
        guard hostWithoutPort.hasPrefix("store-"), hostWithoutPort.hasSuffix(".mybigcommerce.com") else { return nil }
        return String(hostWithoutPort.dropFirst("store-".count).dropLast(".mybigcommerce.com".count))
    }

    static func validatedHash(_ candidate: String) throws(StoreHashError) -> String {
        guard !candidate.isEmpty else { throw StoreHashError(.empty) }
        for character in candidate where !(character.isASCII && (character.isLetter || character.isNumber)) {
            throw StoreHashError(.invalidCharacter(character))
        }
        guard candidate.count <= StoreHash.maximumLength else { throw StoreHashError(.tooLong(candidate.count)) }
        return candidate.lowercased()
    }
}

extension String {
    /// Trims spaces, tabs and newlines (what a paste from a browser or terminal adds) without
    /// pulling in Foundation's character sets.
    func trimmingWhitespace() -> String {
        var view = Substring(self)
        while let first = view.first, first.isWhitespace { view.removeFirst() }
        while let last = view.last, last.isWhitespace { view.removeLast() }
        return String(view)
    }
}
