import Crypto
import Foundation
import Testing
@testable import DropStreamDaemon

@Suite struct TokenVaultTests {
    private func directory() throws -> String {
        var template = Array("/tmp/dsv-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw CocoaError(.fileWriteUnknown) }
        return String(cString: made)
    }

    private func mode(_ path: String) -> mode_t {
        var info = stat()
        stat(path, &info)
        return info.st_mode & 0o777
    }

    @Test func sealedTokensOpenOnlyForTheirStore() throws {
        let vault = TokenVault(key: SymmetricKey(size: .bits256))
        let sealed = try vault.seal("secret-token-value", storeID: 7)
        #expect(try vault.open(sealed, storeID: 7) == "secret-token-value")
        // The same ciphertext moved to another store's row must not open.
        #expect(throws: TokenVault.VaultError.cannotOpen) { try vault.open(sealed, storeID: 8) }
        // Neither with another key, nor when tampered with.
        #expect(throws: TokenVault.VaultError.cannotOpen) { try TokenVault(key: SymmetricKey(size: .bits256)).open(sealed, storeID: 7) }
        var tampered = sealed
        tampered.ciphertext[tampered.ciphertext.startIndex] ^= 0xff
        #expect(throws: TokenVault.VaultError.cannotOpen) { try vault.open(tampered, storeID: 7) }
        // Plaintext never shows in the sealed form.
        #expect(sealed.ciphertext.range(of: Data("secret-token-value".utf8)) == nil)
    }

    @Test func aMissingKeyIsGeneratedPrivateAndReusedOnTheNextStart() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/token.key"
        let first = try TokenVault.load(keyFile: path, generateIfMissing: true)
        #expect(mode(path) == 0o600)
        #expect(FileManager.default.contents(atPath: path)?.count == 32)
        let second = try TokenVault.load(keyFile: path, generateIfMissing: true)
        #expect(first.keyID == second.keyID)
        let sealed = try first.seal("t", storeID: 1)
        #expect(try second.open(sealed, storeID: 1) == "t")
    }

    @Test func aNamedKeyMustExist() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(throws: TokenVault.VaultError.self) { try TokenVault.load(keyFile: dir + "/absent", generateIfMissing: false) }
    }

    @Test func aWorldReadableKeyIsRefused() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/token.key"
        FileManager.default.createFile(atPath: path, contents: Data(repeating: 1, count: 32), attributes: [.posixPermissions: 0o644])
        let error = #expect(throws: TokenVault.VaultError.self) { try TokenVault.load(keyFile: path, generateIfMissing: false) }
        #expect(error?.description.contains("chmod 0600") == true)
    }

    @Test(arguments: [
        String(repeating: "ab", count: 32),                       // 64 hex digits
        Data(repeating: 0x5a, count: 32).base64EncodedString(),   // base64
        String(repeating: "AB", count: 32) + "\n",                // hex with a newline
    ])
    func textKeysAreAccepted(text: String) throws {
        #expect(TokenVault.decodeKey(Data(text.utf8))?.count == 32)
    }

    @Test(arguments: ["", "short", String(repeating: "ab", count: 31), String(repeating: "zz", count: 32)])
    func malformedKeysAreRefused(text: String) {
        #expect(TokenVault.decodeKey(Data(text.utf8)) == nil)
    }

    @Test func theKeyIDRevealsNothingButIsStable() {
        let key = SymmetricKey(data: Data(repeating: 9, count: 32))
        let vault = TokenVault(key: key)
        #expect(vault.keyID.count == 16)
        #expect(vault.keyID == TokenVault(key: key).keyID)
        #expect(vault.keyID != "0909090909090909")  // not the key's own bytes
    }
}
