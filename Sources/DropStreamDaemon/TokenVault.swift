import Crypto
import Foundation
import Glibc

/// Seals store access tokens at rest with AES-256-GCM (DESIGN §2 flow 2, issue 4).
///
/// The key comes from systemd's credentials directory (`LoadCredential=token-key:...`) or a
/// 0600 file; when neither exists, a fresh key is generated into the state directory. The
/// store id is bound in as authenticated data, so a sealed token copied to another store's
/// row fails to open instead of silently authenticating as the wrong store.
public struct TokenVault: Sendable {
    /// What failed, without ever including key or token bytes.
    public enum VaultError: Error, CustomStringConvertible, Sendable, Equatable {
        case keyFileUnreadable(path: String, reason: String)
        case keyFileTooOpen(path: String, mode: String)
        case keyMalformed(path: String)
        case cannotCreateKey(path: String, reason: String)
        case cannotOpen

        public var description: String {
            switch self {
            case .keyFileUnreadable(let path, let reason): return "cannot read the token key \(path): \(reason)"
            case .keyFileTooOpen(let path, let mode): return "the token key \(path) has mode \(mode); it must not be readable by group or others (chmod 0600)"
            case .keyMalformed(let path): return "the token key \(path) must hold exactly 32 bytes (raw, 64 hex digits, or base64)"
            case .cannotCreateKey(let path, let reason): return "cannot create the token key \(path): \(reason)"
            case .cannotOpen: return "a stored token cannot be decrypted with the current key (was the key replaced?)"
            }
        }
    }

    /// A sealed token as the database stores it.
    public struct Sealed: Sendable, Equatable {
        public var ciphertext: Data
        public var nonce: Data
    }

    /// Identifies the key in the credential row (first 8 bytes of its SHA-256, hex), so a key
    /// change is recognisable without storing anything secret.
    public let keyID: String
    // Raw bytes rather than SymmetricKey, which is not Sendable; a key is made per use.
    private let keyBytes: Data
    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    public init(key: SymmetricKey) {
        keyBytes = key.withUnsafeBytes { Data($0) }
        let digest = SHA256.hash(data: keyBytes)
        keyID = digest.prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    /// Loads the key from `path`, or, when `generateIfMissing`, creates one there (0600).
    public static func load(keyFile path: String, generateIfMissing: Bool) throws(VaultError) -> TokenVault {
        if !FileManager.default.fileExists(atPath: path) {
            guard generateIfMissing else { throw .keyFileUnreadable(path: path, reason: "it does not exist") }
            return try generate(at: path)
        }
        var info = stat()
        guard stat(path, &info) == 0 else { throw .keyFileUnreadable(path: path, reason: String(cString: strerror(errno))) }
        // systemd's credential files are 0400/0440 root-owned copies in a private mount; only
        // "other" bits are always wrong. Our own generated file is 0600.
        if info.st_mode & 0o007 != 0 { throw .keyFileTooOpen(path: path, mode: String(info.st_mode & 0o777, radix: 8)) }
        guard let contents = FileManager.default.contents(atPath: path) else {
            throw .keyFileUnreadable(path: path, reason: "permission denied")
        }
        guard let bytes = decodeKey(contents) else { throw .keyMalformed(path: path) }
        return TokenVault(key: SymmetricKey(data: bytes))
    }

    /// 32 raw bytes, or 64 hex digits, or base64 of 32 bytes (surrounding whitespace ignored).
    static func decodeKey(_ contents: Data) -> Data? {
        if contents.count == 32 { return contents }
        let text = String(decoding: contents, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.count == 64, text.allSatisfy(\.isHexDigit) {
            var bytes = Data()
            var index = text.startIndex
            while index < text.endIndex {
                let next = text.index(index, offsetBy: 2)
                bytes.append(UInt8(text[index..<next], radix: 16)!)
                index = next
            }
            return bytes
        }
        if let decoded = Data(base64Encoded: text), decoded.count == 32 { return decoded }
        return nil
    }

    private static func generate(at path: String) throws(VaultError) -> TokenVault {
        let key = SymmetricKey(size: .bits256)
        let bytes = key.withUnsafeBytes { Data($0) }
        // O_EXCL: never overwrite a key another process just wrote.
        let descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .cannotCreateKey(path: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(descriptor) == 0 else {
            unlink(path)
            throw .cannotCreateKey(path: path, reason: String(cString: strerror(errno)))
        }
        return TokenVault(key: key)
    }

    /// Seals `token` for the store with id `storeID`.
    public func seal(_ token: String, storeID: Int64) throws -> Sealed {
        let box = try AES.GCM.seal(Data(token.utf8), using: key, authenticating: Self.associatedData(storeID))
        // Fresh, zero-based Data: the box's parts are slices of one buffer.
        var ciphertext = Data(box.ciphertext)
        ciphertext.append(contentsOf: box.tag)
        return Sealed(ciphertext: ciphertext, nonce: Data(box.nonce))
    }

    /// Opens a token sealed for `storeID`.
    public func open(_ sealed: Sealed, storeID: Int64) throws(VaultError) -> String {
        do {
            guard sealed.ciphertext.count >= 16 else { throw VaultError.cannotOpen }
            let box = try AES.GCM.SealedBox(
                nonce: AES.GCM.Nonce(data: sealed.nonce),
                ciphertext: sealed.ciphertext.dropLast(16),
                tag: sealed.ciphertext.suffix(16)
            )
            let plain = try AES.GCM.open(box, using: key, authenticating: Self.associatedData(storeID))
            return String(decoding: plain, as: UTF8.self)
        } catch {
            throw .cannotOpen
        }
    }

    private static func associatedData(_ storeID: Int64) -> Data {
        Data("dropstream-store-\(storeID)".utf8)
    }
}
