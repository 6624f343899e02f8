import DropStreamCore
import DropStreamDaemon
import DropStreamSQLite
import DropStreamStorage
import Foundation

/// A state directory prepared before `dropstreamd` starts, as if an operator had already run
/// `store add` + `store authorize`: the database, and the TokenVault key file the daemon is
/// configured with (`tokens.key_file`). Tests and benchmarks seed one instead of driving OAuth.
///
/// Fixture code: linked by the test targets and `dropstream-bench`, never by dropstreamd or
/// dropstreamctl (a connected store is only ever made by OAuth in production).
public struct SeededStateDirectory: Sendable {
    /// The state directory (`--state-directory`).
    public let path: String
    /// The TokenVault key file (`tokens.key_file`); generated on first use.
    public let keyFile: String
    /// The daemon's database in `path`, opened (and migrated).
    public let database: SQLiteStorage
    /// The vault whose key is in `keyFile`: tokens sealed by it open in the daemon.
    public let vault: TokenVault

    /// Where the daemon keeps its database in a state directory.
    public static func databasePath(in stateDirectory: String) -> String { stateDirectory + "/dropstream.sqlite" }

    /// Creates `path` if needed, opens its database and loads (or generates) the key in `keyFile`.
    /// Several directories may share one key file: each loads the same key.
    public init(path: String, keyFile: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        self.path = path
        self.keyFile = keyFile
        database = try SQLiteStorage.open(path: Self.databasePath(in: path))
        vault = try TokenVault.load(keyFile: keyFile, generateIfMissing: true)
    }

    /// Adds a BigCommerce store, active, with `token` sealed for it: what `store add NAME` +
    /// `store authorize NAME` leave behind. The store's import and claim statuses are the defaults.
    @discardableResult
    public func connectStore(name: String, hash: String, token: String) async throws -> StoreRecord {
        let store = try await database.addStore(name: name, platform: .bigcommerce, storeHash: hash)
        let sealed = try vault.seal(token, storeID: store.id)
        return try await database.completeAuthorization(
            storeId: store.id, ciphertext: sealed.ciphertext, nonce: sealed.nonce, keyID: vault.keyID)
    }
}
