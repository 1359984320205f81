// swift-tools-version: 6.0
import PackageDescription

/// FieldSync: offline-first sync of social-assistance case files between township
/// stations and a county hub. The targets are the layers; dependencies point one way:
/// Core ← Store, Bundle ← Sync ← CLI. Domain declares the case tables, rules and the casework
/// service over a replica, and depends on Core and Store.
let package = Package(
    name: "FieldSync",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "fieldsync", targets: ["fieldsync"]),
        .library(name: "FieldSyncSync", targets: ["FieldSyncSync"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // NIO's thread pool (the hub's one merge thread); HTTP field names for the wire types.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        // The tests stop the live hub service gracefully.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // Server-rendered pages of the workbench and the review desk (issue 9).
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        // zlib, linked from the system (Debian: zlib1g-dev).
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // SQLite's session extension (changesets), declared for fieldsync-bench's baseline only;
        // the system libsqlite3 (Debian builds it with the extension) is the one GRDB links.
        .systemLibrary(
            name: "CSQLiteSession",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // The merge core: clocks, vectors, changes, policies. No I/O, no SQLite, no crypto.
        .target(name: "FieldSyncCore"),
        // The case tables and their merge policies (the casework domain grows here).
        .target(name: "FieldSyncDomain", dependencies: ["FieldSyncCore", "FieldSyncStore"]),
        // One SQLite replica through GRDB: capture, apply, export, digest.
        .target(
            name: "FieldSyncStore",
            dependencies: [
                "FieldSyncCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                // The store binds its hot statements through SQLite's C API (GRDB's module for it).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The .fsb bundle codec: framing, zlib, signatures, encryption; streaming both ways.
        .target(
            name: "FieldSyncBundle",
            dependencies: [
                "FieldSyncCore", "CZlib",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Station and hub: enrollment, export, import, merge, return bundles.
        .target(
            name: "FieldSyncSync",
            dependencies: [
                "FieldSyncCore", "FieldSyncStore", "FieldSyncBundle", "FieldSyncDomain",
                .product(name: "Crypto", package: "swift-crypto"),
                // scrypt for the passphrase that seals a node's private keys (NodeIdentity).
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // What an HTTP request carries and how the hub reads it, before and after the signature:
        // the wire names and bodies, the canonical string, one parser per header, the refusals.
        // No Hummingbird or NIO, so the fuzz target `http` builds it without the server.
        .target(
            name: "FieldSyncHTTPWire",
            dependencies: [
                "FieldSyncCore", "FieldSyncBundle",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Sync over HTTP: signed requests, resumable uploads and ranged downloads. One target for
        // both sides (wire types, the Hummingbird server over Hub, the AsyncHTTPClient station
        // client): the one `fieldsync` binary serves and syncs, so it links both libraries anyway.
        .target(
            name: "FieldSyncHTTP",
            dependencies: [
                "FieldSyncSync", "FieldSyncCore", "FieldSyncBundle", "FieldSyncHTTPWire",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                // Serving on a loopback port for a while, then stopping gracefully (the demo, the tests).
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The caseworker's workbench and the county's review desk in the browser: Hummingbird
        // routes over the same Casework, Station and Hub services the CLI calls, pages from
        // Mustache templates compiled into the binary (no network, no CDN).
        .target(
            name: "FieldSyncWeb",
            dependencies: [
                "FieldSyncSync", "FieldSyncCore", "FieldSyncStore", "FieldSyncDomain", "FieldSyncHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                // The idle lock runs beside the server and stops with it.
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [
                .embedInCode("Templates"),
                .embedInCode("Assets"),
            ]
        ),
        // A TCP proxy that cuts and stalls connections (a 4G link that drops), for the demo's
        // HTTP scene and the HTTP tests: an instrument, kept out of the sync libraries.
        .target(name: "FieldSyncFlakyLink", dependencies: ["FieldSyncCore"]),
        // The one command-line program, thin over the libraries.
        .executableTarget(
            name: "fieldsync",
            dependencies: [
                "FieldSyncSync", "FieldSyncCore", "FieldSyncStore", "FieldSyncBundle", "FieldSyncDomain",
                "FieldSyncHTTP", "FieldSyncFlakyLink", "FieldSyncWeb",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Benchmarks, run as a command in release mode (never as timed tests).
        .executableTarget(
            name: "fieldsync-bench",
            dependencies: [
                "FieldSyncSync", "FieldSyncCore", "FieldSyncStore", "FieldSyncBundle", "FieldSyncDomain",
                "FieldSyncTestSupport", "CSQLiteSession", "FieldSyncWeb",
                .product(name: "GRDB", package: "GRDB.swift"),
                // The page benchmark drives the workbench's router in process (server time per page).
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
        // Generators, seeded randomness and temporary counties shared by tests and benchmarks.
        .target(
            name: "FieldSyncTestSupport",
            dependencies: [
                "FieldSyncSync", "FieldSyncCore", "FieldSyncStore", "FieldSyncBundle", "FieldSyncDomain",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Fuzz harnesses for what enters from outside (bundles, enrollment and key files, HTTP requests): each
        // takes bytes and returns whether it was accepted or refused, and traps only when an
        // invariant breaks. Shared by the fuzzer and by the corpus replay test.
        .target(
            name: "FieldSyncFuzzing",
            dependencies: [
                "FieldSyncSync", "FieldSyncCore", "FieldSyncStore", "FieldSyncBundle", "FieldSyncHTTPWire", "CZlib",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The libFuzzer driver when built with `-sanitize=fuzzer -DFUZZING` (Fuzz/run.sh);
        // otherwise a small command that replays corpus files and writes the seed corpora.
        .executableTarget(name: "fieldsync-fuzz", dependencies: ["FieldSyncFuzzing"]),
        .testTarget(name: "FieldSyncCoreTests", dependencies: ["FieldSyncCore", "FieldSyncTestSupport"]),
        .testTarget(
            name: "FieldSyncStoreTests",
            dependencies: ["FieldSyncStore", "FieldSyncDomain", "FieldSyncTestSupport"]
        ),
        .testTarget(
            name: "FieldSyncBundleTests",
            dependencies: ["FieldSyncBundle", "FieldSyncTestSupport"]
        ),
        .testTarget(
            name: "FieldSyncSyncTests",
            dependencies: [
                "FieldSyncSync", "FieldSyncTestSupport", .product(name: "Crypto", package: "swift-crypto"),
                // PriorReplicaTests reads a store's own tables as an earlier release left them.
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            // Replica files of released schemas, read by path (PriorReplicaTests).
            exclude: ["PriorReplicas"]
        ),
        .testTarget(
            name: "FieldSyncDomainTests",
            dependencies: ["FieldSyncDomain", "FieldSyncStore", "FieldSyncTestSupport"]
        ),
        .testTarget(name: "FieldSyncFuzzingTests", dependencies: ["FieldSyncFuzzing"]),
        .testTarget(
            name: "FieldSyncHTTPTests",
            dependencies: [
                "FieldSyncHTTP", "FieldSyncSync", "FieldSyncTestSupport", "FieldSyncFlakyLink",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "FieldSyncWebTests",
            dependencies: [
                "FieldSyncWeb", "FieldSyncSync", "FieldSyncDomain", "FieldSyncTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .testTarget(
            name: "FieldSyncCLITests",
            dependencies: ["fieldsync", "fieldsync-bench", "FieldSyncCore", "FieldSyncDomain", "FieldSyncTestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
