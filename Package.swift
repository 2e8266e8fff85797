// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "gen3-swift",
    // Linux only: the engine's durability and speed rest on Linux calls (syncfs, O_TMPFILE with
    // linkat(AT_EMPTY_PATH), O_DIRECT, sync_file_range, renameat2), all in Sources/CLinux, whose
    // header stops a build elsewhere with a message saying so.
    products: [
        .library(name: "Gen3Kit", targets: ["Gen3Kit"]),
        .executable(name: "gen3", targets: ["gen3"]),
        .executable(name: "gen3-test-commons", targets: ["gen3-test-commons"]),
        .executable(name: "gen3-latency-proxy", targets: ["gen3-latency-proxy"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.60.0"),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // A job on PostgreSQL, which workers on many machines share.
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .target(
            name: "CCurl",
            linkerSettings: [.linkedLibrary("curl")]
        ),
        // MD5 and HMAC from the system's OpenSSL: libcurl loads libcrypto anyway, and its assembly MD5
        // is as fast as any for one stream (many small bodies go eight at a time, md5_many.c); a
        // Swift crypto package would add a second copy and a long build.
        .target(
            name: "CDigest",
            linkerSettings: [.linkedLibrary("crypto")]
        ),
        .target(name: "Digest", dependencies: ["CDigest"]),
        .target(name: "CLinux"),
        .target(
            name: "Gen3Kit",
            dependencies: [
                "CSQLite", "CLibPQ", "CCurl", "CLinux", "Digest",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "gen3",
            dependencies: [
                "Gen3Kit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Gen3TestCommons",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                "Digest",
            ]
        ),
        .executableTarget(
            name: "gen3-test-commons",
            dependencies: ["Gen3TestCommons", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // A round trip and a window between a client and a server on this machine (the kernel here
        // has no netem): the benchmark's distant commons.
        .target(
            name: "LatencyProxy",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "gen3-latency-proxy",
            dependencies: [
                "LatencyProxy",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "TestSupport",
            dependencies: ["Gen3Kit", "Gen3TestCommons", "Digest"],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "Gen3KitTests",
            dependencies: ["Gen3Kit", "TestSupport", "Digest", "CLinux", "CSQLite"]
        ),
        .testTarget(
            name: "Gen3TestCommonsTests",
            dependencies: ["Gen3TestCommons", "gen3-test-commons", "Digest", "TestSupport"]
        ),
        .testTarget(
            name: "LatencyProxyTests",
            dependencies: ["LatencyProxy", "gen3-latency-proxy", "TestSupport", "Digest"]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["Gen3Kit", "Gen3TestCommons", "TestSupport", "LatencyProxy", "gen3", "gen3-test-commons"]
        ),
    ],
    // Complete concurrency checking: the threads the engine starts share state only through types
    // that say what guards it.
    swiftLanguageModes: [.v6]
)
