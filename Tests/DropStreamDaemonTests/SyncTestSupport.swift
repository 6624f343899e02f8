import AsyncHTTPClient
import BigCommerceAPI
import BigCommerceSandbox
import DropStreamCore
import DropStreamSQLite
import DropStreamStorage
import Foundation
import Logging
import Synchronization
import Testing

@testable import DropStreamDaemon

/// An in-process sandbox over loopback plus a real SQLite file, with stores connected on both
/// sides (a sandbox token, an active store row). Each test gets its own; they share nothing.
final class SyncFixture: Sendable {
    let sandbox: RunningSandbox
    let database: SQLiteStorage
    let directory: String
    private let tokens = Mutex<[String: String]>([:])
    private let pacers = Mutex<[String: RateLimitPacer]>([:])

    static let fastClient = BigCommerceClientConfiguration(
        requestTimeout: .seconds(10),
        retryPolicy: RetryPolicy(maximumAttempts: 4, maximumRateLimitWaits: 5, baseDelay: .milliseconds(5), maximumDelay: .milliseconds(50)),
        pacingPolicy: PacingPolicy(reserve: 2, overloadBackoff: .milliseconds(20), maximumOverloadBackoff: .milliseconds(100)))

    private init(sandbox: RunningSandbox, database: SQLiteStorage, directory: String) {
        self.sandbox = sandbox
        self.database = database
        self.directory = directory
    }

    /// - Parameter window: the sandbox's rate-limit window (short, so pacing costs no real time).
    static func make(quota: Int = 10_000, window: Duration = .milliseconds(250)) async throws -> SyncFixture {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dropstream-sync-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let sandbox = try await RunningSandbox.start(configuration: SandboxConfiguration(defaultQuota: quota, rateLimitWindow: window))
        let database = try SQLiteStorage.open(path: directory + "/dropstream.sqlite")
        return SyncFixture(sandbox: sandbox, database: database, directory: directory)
    }

    func tearDown() async {
        try? await sandbox.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A sandbox store with seeded orders, connected and active here.
    func addStore(_ hash: String, orders: Int = 0, seed: UInt64 = 1, statusMix: SandboxStatusMix = .realistic, quota: Int? = nil) async throws -> StoreRecord {
        _ = try await sandbox.state.createStore(hash: hash, quota: quota)
        if orders > 0 { try await sandbox.state.seedOrders(store: hash, count: orders, seed: seed, statusMix: statusMix) }
        let token = try await sandbox.state.issueToken(store: hash)
        tokens.withLock { $0[hash] = token }
        let store = try await database.addStore(name: "store-\(hash)", platform: .bigcommerce, storeHash: hash)
        return try await database.completeAuthorization(storeId: store.id, ciphertext: Data([1]), nonce: Data([2]))
    }

    func token(_ hash: String) -> String? { tokens.withLock { $0[hash] } }

    /// What the daemon's `Connections.client(for:)` does: a client per pass, one pacer per store.
    var makeClient: @Sendable (StoreRecord) async throws -> BigCommerceClient {
        { [self] store in
            let sandbox = self.sandbox
            let token = self.tokens.withLock { $0[store.storeHash] } ?? "none"
            let pacer = self.pacers.withLock { pacers in
                if let pacer = pacers[store.storeHash] { return pacer }
                let pacer = RateLimitPacer(policy: SyncFixture.fastClient.pacingPolicy)
                pacers[store.storeHash] = pacer
                return pacer
            }
            var configuration = SyncFixture.fastClient
            configuration.endpoints = BigCommerceEndpoints(apiBaseURL: sandbox.baseURL)
            return BigCommerceClient(
                storeHash: try StoreHash(parsing: store.storeHash), accessToken: AccessToken(token), httpClient: HTTPClient.shared,
                configuration: configuration, pacer: pacer)
        }
    }

    func syncer(_ store: StoreRecord, settings: SyncSettings = SyncSettings()) -> StoreSyncer {
        StoreSyncer(storeId: store.id, database: database, settings: settings, logger: Logger(label: "test"), makeClient: makeClient)
    }

    /// Ids of the sandbox's orders in the import status (not archived).
    func sandboxImportIDs(_ hash: String, status: Int = 11) async throws -> Set<String> {
        Set(try await sandbox.state.orders(store: hash).filter { $0.statusID == status && !$0.isDeleted }.map { String($0.id) })
    }

    /// Ids of the queue's open orders (ready, held, claimed) of a store.
    /// Orders the sync set aside because they moved to another open status are not counted.
    func queueOpenIDs(_ store: StoreRecord) async throws -> Set<String> {
        var ids = Set<String>()
        for state in [OrderState.ready, .held, .claimed] {
            for order in try await database.orders(store: store.id, state: state, limit: 1_000_000)
            where order.holdReason?.hasPrefix("left the import status") != true {
                #expect(ids.insert(order.externalOrderId).inserted, "order \(order.externalOrderId) twice")
            }
        }
        return ids
    }

    func allQueueOrders(_ store: StoreRecord) async throws -> [FulfillmentOrderRecord] {
        try await database.orders(store: store.id, limit: 1_000_000)
    }

    /// The queue's open orders are exactly the sandbox's import-status orders.
    func expectConverged(_ store: StoreRecord, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let expected = try await sandboxImportIDs(store.storeHash)
        let actual = try await queueOpenIDs(store)
        let same = actual == expected
        #expect(same, "missing \(expected.subtracting(actual).sorted().prefix(10)), extra \(actual.subtracting(expected).sorted().prefix(10))", sourceLocation: sourceLocation)
    }
}

/// Polls `condition` until it holds or `timeout` passes (no fixed sleeps).
func eventually(
    timeout: Duration = .seconds(90), _ what: String, sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: @Sendable () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("timed out waiting for: \(what)", sourceLocation: sourceLocation)
}
