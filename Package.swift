// swift-tools-version: 6.1
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "keyvault-operator",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "HTTPTransport", targets: ["HTTPTransport"]),
        .library(name: "Redis", targets: ["Redis"]),
        .library(name: "YAML", targets: ["YAML"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
    ],
    targets: [
        // C libraries from Debian, wrapped with static inline shims for their variadic functions.
        .systemLibrary(
            name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(
            name: "CHiredis", path: "Sources/CHiredis", pkgConfig: "hiredis",
            providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(
            name: "CYAML", path: "Sources/CYAML", pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]),

        // Transport modules.
        .target(
            name: "HTTPTransport",
            dependencies: ["CCurl", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings),
        .target(
            name: "Redis",
            dependencies: ["CHiredis", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings),
        .target(name: "YAML", dependencies: ["CYAML"], swiftSettings: strictSettings),

        // Shared helpers for the integration tests: the environment written by scripts/test-env.
        .target(name: "TestEnvironment", path: "Tests/TestEnvironment", swiftSettings: strictSettings),

        .testTarget(
            name: "HTTPTransportTests", dependencies: ["HTTPTransport", "TestEnvironment"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "RedisTests", dependencies: ["Redis", "TestEnvironment"], swiftSettings: strictSettings),
        .testTarget(name: "YAMLTests", dependencies: ["YAML"], swiftSettings: strictSettings),
    ],
    swiftLanguageModes: [.v6]
)
