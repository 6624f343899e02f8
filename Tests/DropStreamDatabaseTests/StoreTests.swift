import DropStreamCore
import Foundation
import Testing

@testable import DropStreamSQLite
import DropStreamStorage
import DropStreamTestWorld

@Suite struct StoreTests {
    @Test(arguments: TestEngine.allCases) func addedStoreAwaitsAuthorizationWithTheDefaultImportStatus(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            let store = try await database.addStore(name: "acme", platform: .bigcommerce, storeHash: "abcde")
            #expect(store.state == .awaitingAuthorization)
            #expect(store.importStatusId == defaultImportStatusID)
            #expect(try await database.store(named: "ACME") == store)
            #expect(try await database.store(platform: .bigcommerce, storeHash: "abcde") == store)
            #expect(try await database.store(id: store.id) == store)
            #expect(try await database.stores() == [store])
        }
    }

    @Test(arguments: TestEngine.allCases) func duplicateNameIsRefusedSayingSo(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            try await database.addStore(name: "acme", platform: .bigcommerce, storeHash: "abcde")
            await #expect(throws: StorageError.duplicateStoreName("Acme")) {
                try await database.addStore(name: "Acme", platform: .bigcommerce, storeHash: "other")
            }
            #expect(try await database.stores().count == 1)
        }
    }

    @Test(arguments: TestEngine.allCases) func duplicateHashIsRefusedNamingTheExistingStore(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            try await database.addStore(name: "acme", platform: .bigcommerce, storeHash: "abcde")
            let error = await #expect(throws: StorageError.self) {
                try await database.addStore(name: "second", platform: .bigcommerce, storeHash: "abcde")
            }
            #expect(error == .duplicateStoreHash(platform: .bigcommerce, storeHash: "abcde", existingStore: "acme"))
            #expect(error?.description.contains("acme") == true)
        }
    }

    @Test(arguments: TestEngine.allCases) func invalidImportStatusIsRefusedBeforeWriting(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            await #expect(throws: StorageError.invalidStatusID(15)) {
                try await database.addStore(name: "acme", platform: .bigcommerce, storeHash: "abcde", importStatusID: 15)
            }
            let store = try await seedStore(database)
            await #expect(throws: StorageError.invalidStatusID(-1)) {
                try await database.setImportStatus(store.id, statusID: -1)
            }
            #expect(try await database.setImportStatus(store.id, statusID: 9).importStatusId == 9)
        }
    }

    @Test(arguments: TestEngine.allCases) func settingsAndStateChange(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            let store = try await seedStore(database)
            #expect(try await database.setStoreState(store.id, to: .paused).state == .paused)
            #expect(try await database.setClaimStatus(store.id, statusID: 9).claimStatusId == 9)
            #expect(try await database.setClaimStatus(store.id, statusID: nil).claimStatusId == nil)
            #expect(try await database.setPollInterval(store.id, seconds: 120).pollIntervalSeconds == 120)
            #expect(try await database.stores(state: .paused).map(\.id) == [store.id])
            await #expect(throws: StorageError.storeNotFound("with id 999")) {
                try await database.setStoreState(999, to: .active)
            }
        }
    }

    @Test(arguments: TestEngine.allCases) func authorizationStoresTheCiphertextAndActivates(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            let store = try await seedStore(database)
            let active = try await database.completeAuthorization(
                storeId: store.id, ciphertext: Data([9, 8, 7]), nonce: Data([1]), keyID: "k1")
            #expect(active.state == .active)
            let credential = try #require(try await database.credential(for: store.id))
            #expect(credential.ciphertext == Data([9, 8, 7]))
            #expect(credential.keyId == "k1")
            // An active store does not accept another callback
            await #expect(throws: StorageError.self) {
                try await database.completeAuthorization(storeId: store.id, ciphertext: Data([1]), nonce: Data([1]))
            }
        }
    }

    @Test(arguments: TestEngine.allCases) func credentialsSaveReplaceAndDelete(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            let store = try await seedStore(database)
            try await database.saveCredential(storeId: store.id, ciphertext: Data([1]), nonce: Data([2]))
            try await database.saveCredential(storeId: store.id, ciphertext: Data([3]), nonce: Data([4]))
            #expect(try await database.credential(for: store.id)?.ciphertext == Data([3]))
            #expect(try await database.deleteCredential(for: store.id))
            #expect(try await database.credential(for: store.id) == nil)
            #expect(try await !database.deleteCredential(for: store.id))
        }
    }

    @Test(arguments: TestEngine.allCases) func disconnectKeepsOrdersAndDropsTheToken(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            let store = try await seedStore(database, orders: 2)
            try await database.saveCredential(storeId: store.id, ciphertext: Data([1]), nonce: Data([2]))
            let disconnected = try await database.disconnectStore(store.id)
            #expect(disconnected.state == .disconnected)
            #expect(try await database.credential(for: store.id) == nil)
            #expect(try await database.orders(store: store.id).count == 2)
        }
    }

    @Test(arguments: TestEngine.allCases) func removeRefusesWhileOrdersAreOpenUnlessForced(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            let store = try await seedStore(database, orders: 2)
            await #expect(throws: StorageError.storeHasUnfinishedWork(store: "acme", openOrders: 2, undeliveredShipments: 0)) {
                try await database.removeStore(store.id)
            }
            try await database.removeStore(store.id, force: true)
            #expect(try await database.stores().isEmpty)
            #expect(try await database.orders().isEmpty)
        }
    }
}
