// swift-tools-version:6.2
import PackageDescription

// Module boundaries follow ../shared/DESIGN.md §3. Edges go one way:
// executables -> DropStreamDaemon -> (Storage + its engines, BigCommerceAPI, Core, Systemd, Control).
// dropstreamctl links only DropStreamControl and ArgumentParser.
// BigCommerceSandbox shares no code with BigCommerceAPI on purpose (DESIGN §8).

let package = Package(
    name: "DropStream",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "dropstreamd", targets: ["dropstreamd"]),
        .executable(name: "dropstreamctl", targets: ["dropstreamctl"]),
        .executable(name: "bigcommerce-sandbox", targets: ["bigcommerce-sandbox"]),
        .executable(name: "dropstream-bench", targets: ["dropstream-bench"]),
        .library(name: "BigCommerceAPI", targets: ["BigCommerceAPI"]),
        .library(name: "BigCommerceSandbox", targets: ["BigCommerceSandbox"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0", traits: [.defaults, "YAML"]),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // Already pulled in by Hummingbird; named for NIOHTTPTypes (the callback listener's
        // request-deadline handler sees the same HTTP parts Hummingbird does).
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        // `/metrics` (DESIGN §3): the registry and the text exposition. swift-metrics, which it
        // builds on, is already in the graph through Hummingbird.
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // The PostgreSQL engine (DESIGN §10): PostgresClient, a pool that is a ServiceLifecycle
        // Service. swift-nio-ssl is already in the graph (async-http-client, postgres-nio); named
        // for the TLS settings of sslmode verify-ca/verify-full.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // Already pulled in by swift-configuration's YAML trait; named so the loader can list a
        // file's keys and refuse misspelt ones.
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // MARK: systemd
        .systemLibrary(
            name: "CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),
        .target(
            name: "DropStreamSystemd",
            dependencies: [
                "CSystemd",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: BigCommerce
        .target(
            name: "BigCommerceAPI",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "BigCommerceSandbox",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // MARK: domain, storage, control contract
        .target(name: "DropStreamCore"),
        // The storage seam (DESIGN §10): the engine protocol, its records and values. No SQL.
        .target(name: "DropStreamStorage", dependencies: ["DropStreamCore"]),
        // The SQLite engine: all of its SQL (GRDB over the system libsqlite3).
        .target(
            name: "DropStreamSQLite",
            dependencies: [
                "DropStreamCore",
                "DropStreamStorage",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .target(
            name: "DropStreamControl",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ]
        ),

        // The PostgreSQL engine: all of its SQL (PostgresNIO).
        .target(
            name: "DropStreamPostgres",
            dependencies: [
                "DropStreamCore",
                "DropStreamStorage",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // MARK: the daemon
        .target(
            name: "DropStreamDaemon",
            dependencies: [
                "DropStreamCore",
                "DropStreamStorage",
                "DropStreamSQLite",
                "DropStreamPostgres",
                "DropStreamControl",
                "DropStreamSystemd",
                "BigCommerceAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),

        // MARK: executables (thin mains)
        .executableTarget(
            name: "dropstreamd",
            dependencies: [
                "DropStreamDaemon",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "dropstreamctl",
            dependencies: [
                "DropStreamControl",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "bigcommerce-sandbox",
            dependencies: [
                "BigCommerceSandbox",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: test and benchmark harness: never linked by dropstreamd/dropstreamctl
        // Process and socket plumbing (free port, built products, spawned processes, notify
        // socket, eventually) shared by the test targets and dropstream-bench.
        .target(name: "DropStreamHarness"),
        // Test and benchmark fixtures with project knowledge: a state directory seeded with a
        // connected store (database + TokenVault-sealed token), a sandbox order as the sync engine
        // would import it, a daemon config from dotted keys, a fresh engine of either kind per test.
        .target(
            name: "DropStreamTestWorld",
            dependencies: [
                "BigCommerceSandbox", "DropStreamCore", "DropStreamStorage", "DropStreamSQLite", "DropStreamPostgres",
                "DropStreamDaemon",
                // The storage fixture's admin connection (CREATE/DROP DATABASE on the test server).
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Benchmarks print figures; tests assert behaviour (README, Performance).
        .executableTarget(
            name: "dropstream-bench",
            dependencies: [
                "DropStreamHarness",
                "DropStreamTestWorld",
                "BigCommerceSandbox",
                "DropStreamControl",
                "DropStreamCore",
                "DropStreamDaemon",
                "DropStreamStorage",
                "DropStreamSQLite",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),

        // MARK: tests (Swift Testing only)
        .testTarget(name: "DropStreamSystemdTests", dependencies: ["DropStreamSystemd", "DropStreamHarness"]),
        .testTarget(
            name: "BigCommerceAPITests",
            dependencies: ["BigCommerceAPI", "BigCommerceSandbox", "DropStreamHarness"]
        ),
        .testTarget(
            name: "BigCommerceSandboxTests",
            dependencies: [
                "BigCommerceSandbox",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "DropStreamCoreTests", dependencies: ["DropStreamCore"]),
        .testTarget(
            name: "DropStreamDatabaseTests",
            dependencies: [
                "DropStreamStorage",
                "DropStreamSQLite",
                "DropStreamPostgres",
                // withStorage(_:) and TestEngine: one behaviour suite, both engines.
                "DropStreamTestWorld",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "DropStreamDaemonTests",
            dependencies: [
                "DropStreamDaemon",
                "DropStreamControl",
                "DropStreamStorage",
                "DropStreamSQLite",
                "DropStreamHarness",
                "DropStreamTestWorld",
                "BigCommerceAPI",
                "BigCommerceSandbox",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Spawns the built binaries; depends on them so `swift test` builds them first.
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "dropstreamd",
                "dropstreamctl",
                "bigcommerce-sandbox",
                "DropStreamControl",
                "DropStreamStorage",
                "DropStreamSQLite",
                "DropStreamHarness",
                "BigCommerceSandbox",
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
