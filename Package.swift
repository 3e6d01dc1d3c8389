// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "cxledger",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "CXLedgerCore", targets: ["CXLedgerCore"]),
        .executable(name: "cxledger", targets: ["cxledger"]),
        .executable(name: "cxledger-rebuild", targets: ["cxledger-rebuild"]),
        .executable(name: "cxledger-bench", targets: ["cxledger-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.34.1"),
    ],
    targets: [
        // Debian's liblmdb-dev, found through pkg-config.
        .systemLibrary(name: "CLMDB", path: "Sources/CLMDB", pkgConfig: "lmdb",
                       providers: [.apt(["liblmdb-dev"])]),
        // A typed LMDB layer that knows nothing about events.
        .target(name: "LMDB", dependencies: ["CLMDB"]),
        // Events, validation, the log and the projections.
        .target(name: "CXLedgerCore", dependencies: [
            "LMDB",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // HTTP+JSON on a Unix domain socket.
        .target(name: "CXLedgerServer", dependencies: [
            "CXLedgerCore",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            // NIO's HTTP/1.1 pipeline, for answering what its parser refuses in SPEC's format.
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .executableTarget(name: "cxledger", dependencies: [
            "CXLedgerCore", "CXLedgerServer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "cxledger-rebuild", dependencies: [
            "CXLedgerCore", "CXLedgerServer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Tools/cxledger-rebuild"),
        .executableTarget(name: "cxledger-bench", dependencies: [
            "CXLedgerCore", "CXLedgerServer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            // A bare HTTP server for the ingest floor.
            .product(name: "Hummingbird", package: "hummingbird"),
        ], path: "Tools/cxledger-bench"),
        .testTarget(name: "LMDBTests", dependencies: ["LMDB"]),
        .testTarget(name: "CXLedgerCoreTests", dependencies: [
            "CXLedgerCore", "LMDB",
            .product(name: "Crypto", package: "swift-crypto"),
        ], exclude: ["Fixtures"]),
        .testTarget(name: "CXLedgerServerTests", dependencies: ["CXLedgerServer", "CXLedgerCore"]),
        .testTarget(name: "EndToEndTests", dependencies: [
            "CXLedgerCore", "CXLedgerServer", "LMDB",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
