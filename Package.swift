// swift-tools-version:6.1
import PackageDescription

// One settings list for every Swift target, so the whole package follows the same rules.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Seal",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "seal", targets: ["seal"]),
        .executable(name: "seald", targets: ["seald"]),
        .executable(name: "seal-bench", targets: ["seal-bench"]),
        .library(name: "SealService", targets: ["SealService"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // libcrypto from the system (libssl-dev).
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        // Pass-through C functions for what Swift cannot call directly (macros, STACK_OF). No policy.
        .target(name: "CSealShim", dependencies: ["COpenSSL"]),
        .target(
            name: "SealCore",
            dependencies: ["CSealShim", .product(name: "SwiftASN1", package: "swift-asn1")],
            swiftSettings: swiftSettings
        ),
        // The archive: RFC 9162 Merkle log in SQLite, checkpoints, receipts, audit.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .target(
            name: "SealArchive",
            dependencies: [
                "SealCore", "CSQLite",
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: swiftSettings
        ),
        // The archive in PostgreSQL, for several hosts appending to one log (postgres-nio).
        .target(
            name: "SealArchivePostgres",
            dependencies: [
                "SealArchive", "SealCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // OFD packages (GB/T 33190): zip and XML, where signatures live and what they cover; never signing.
        .target(
            name: "SealOFD",
            dependencies: ["SealCore", "CSealZlib"],
            swiftSettings: swiftSettings
        ),
        // zlib, for PDF streams (FlateDecode).
        .systemLibrary(name: "CSealZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // PDF files (ISO 32000): a strict reader and an append-only incremental writer; where a
        // signature lives and what bytes it covers, never signing.
        .target(name: "SealPDF", dependencies: ["SealCore", "CSealZlib"], swiftSettings: swiftSettings),
        // cairo, to draw a seal picture when a department gives none (libcairo2-dev).
        .systemLibrary(name: "CCairo", pkgConfig: "cairo", providers: [.apt(["libcairo2-dev"])]),
        .target(
            name: "SealService",
            dependencies: ["SealCore", "SealOFD", "SealPDF", "SealArchive", "SealArchivePostgres", "CCairo", .product(name: "NIOPosix", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        // The HTTP client of seald's API and its wire types (`seal --socket`).
        .target(
            name: "SealClient",
            dependencies: ["SealService"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "seal",
            dependencies: [
                "SealService", "SealClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // The daemon: routes, access control by peer credentials, group commit; `seald` only parses
        // arguments and runs it.
        .target(
            name: "SealDaemon",
            dependencies: [
                "SealCore", "SealService", "SealClient",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "MultipartKit", package: "multipart-kit"),
            ],
            // The verification page's templates, stylesheet, script and message catalogues,
            // compiled into the binary: nothing to find on disk at run time.
            resources: ["header.mustache", "footer.mustache", "form.mustache", "result.mustache", "archive.mustache", "entry.mustache",
                        "text.mustache", "seal.css", "seal.js",
                        "en.json", "zh-CN.json"].map { .embedInCode("Resources/" + $0) },
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "seald",
            dependencies: [
                "SealDaemon",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "seal-bench",
            dependencies: [
                "SealService", "SealClient", "SealCore", "SealArchive", "seald",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // Regenerates Keys/ and Vectors/ (developer tool, not shipped).
        .executableTarget(
            name: "seal-vectors",
            dependencies: ["SealCore", "SealArchive"],
            swiftSettings: swiftSettings
        ),
        // Process and file helpers shared by the end-to-end and interop tests.
        .target(name: "SealTestSupport", dependencies: ["SealService", "SealOFD"], path: "Tests/SealTestSupport", swiftSettings: swiftSettings),
        // Fuzzing: the targets live in a library so the suite replays the corpus and findings; the
        // libFuzzer executable is built by Scripts/fuzz.sh with --sanitize=fuzzer.
        .target(name: "SealFuzzTargets", dependencies: ["SealCore", "SealService", "SealClient", "SealPDF", "SealOFD"], swiftSettings: swiftSettings),
        .executableTarget(name: "seal-fuzz", dependencies: ["SealFuzzTargets"], swiftSettings: swiftSettings),
        .testTarget(
            name: "SealCoreTests",
            dependencies: ["SealCore", "SealTestSupport", .product(name: "SwiftASN1", package: "swift-asn1")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SealOFDTests",
            dependencies: ["SealOFD", "SealCore", "SealTestSupport", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SealPDFTests",
            dependencies: ["SealPDF", "SealCore", "SealTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SealArchiveTests",
            dependencies: ["SealArchive", "SealArchivePostgres", "SealCore", "SealTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SealServiceTests",
            dependencies: ["SealService", "SealClient", "SealCore", "SealTestSupport", "SealFuzzTargets"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SealCLITests",
            dependencies: ["seal", "seal-bench", "seal-vectors", "SealService", "SealPDF", "SealOFD", "SealTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SealDaemonTests",
            dependencies: [
                "SealDaemon", "SealService", "SealClient", "seald", "seal", "SealTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            exclude: ["browser_page.py"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "InteropTests",
            dependencies: ["SealService", "SealCore", "seal", "SealTestSupport"],
            exclude: ["pyhanko_verify.py"],
            swiftSettings: swiftSettings
        ),
    ]
)
