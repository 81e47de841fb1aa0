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
        .library(name: "KeyVault", targets: ["KeyVault"]),
        .library(name: "Kubernetes", targets: ["Kubernetes"]),
        // For the fuzzing package (Fuzz/), which can only depend on products.
        .library(name: "UserIntegrationReconciler", targets: ["UserIntegrationReconciler"]),
        .library(name: "KeyVaultEmulator", targets: ["KeyVaultEmulator"]),
        .executable(name: "keyvault-emulator", targets: ["keyvault-emulator"]),
        .executable(name: "keyvault-operator", targets: ["keyvault-operator"]),
    ],
    // Every package the targets name is pinned to one exact version (Package.resolved stays out of
    // the repository); scripts/check-pins holds the whole resolved graph, transitive packages
    // included, to the versions in Package.pins.
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", exact: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "3.12.3"),
        .package(url: "https://github.com/apple/swift-certificates.git", exact: "1.21.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", exact: "2.4.1"),
        .package(url: "https://github.com/apple/swift-collections.git", exact: "1.6.0"),
        // Already resolved through Hummingbird and swift-certificates; named because the emulator imports them.
        .package(url: "https://github.com/apple/swift-http-types.git", exact: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", exact: "2.13.0"),
        .package(url: "https://github.com/apple/swift-asn1.git", exact: "1.7.4"),
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
            name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]),
        .systemLibrary(
            name: "CYAML", path: "Sources/CYAML", pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]),
        // glibc's malloc.h and prctl, for the operator's malloc tuning and core-dump setting.
        .systemLibrary(name: "CProcess", path: "Sources/CProcess"),

        // Duration conversions shared by every module (milliseconds for logs and C APIs, seconds).
        .target(name: "DurationUnits", swiftSettings: strictSettings),

        // Transport modules.
        .target(
            name: "HTTPTransport",
            dependencies: ["CCurl", "COpenSSL", "DurationUnits", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings),
        .target(
            name: "Redis",
            dependencies: ["CHiredis", "COpenSSL", "DurationUnits", .product(name: "DequeModule", package: "swift-collections"), .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings),
        .target(name: "YAML", dependencies: ["CYAML"], swiftSettings: strictSettings),
        // An in-order JSON reader for hot paths (vault bundles, informer lists), in place of Codable.
        .target(name: "JSONReading", swiftSettings: strictSettings),

        // The library: Key Vault client, Redis cache-aside client, user integrations, errors, health.
        .target(
            name: "KeyVault",
            dependencies: [
                "COpenSSL", "DurationUnits", "HTTPTransport", "JSONReading", "Redis",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strictSettings),

        // The Kubernetes API client: configuration, typed access, patches, watches.
        .target(
            name: "Kubernetes",
            dependencies: [
                "DurationUnits", "HTTPTransport", "JSONReading", "YAML", .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: strictSettings),

        // Controller machinery: the work queue, the `Reconciler` protocol and the generic `Controller`.
        .target(
            name: "ControllerRuntime",
            dependencies: [
                "DurationUnits", "Kubernetes", .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"), .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strictSettings),

        // The UserIntegration reconciler: the resource's model and the pure decisions of reconciling it.
        .target(
            name: "UserIntegrationReconciler",
            dependencies: [
                "KeyVault", "Kubernetes", "ControllerRuntime", "JSONReading", "YAML", .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"), .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: strictSettings),

        // The Azure-compatible Key Vault emulator: a library (for tests and embedding) and its executable.
        .target(
            name: "KeyVaultEmulator",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                "DurationUnits",
            ],
            swiftSettings: strictSettings),
        .executableTarget(
            name: "keyvault-emulator",
            dependencies: [
                "KeyVaultEmulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings),

        // The operator's probe and metrics server: a small poll-based HTTP/1.1 server (no framework).
        .target(name: "HTTPEndpoints", dependencies: ["DurationUnits"], swiftSettings: strictSettings),

        // The operator's command line: the controller (`run`) and the library's tools.
        .executableTarget(
            name: "keyvault-operator",
            dependencies: [
                "DurationUnits", "HTTPEndpoints", "KeyVault", "Redis", "Kubernetes", "UserIntegrationReconciler", "CProcess",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings),

        // Benchmarks: commands that print figures side by side with a reference (not tests).
        .executableTarget(
            name: "keyvault-bench", dependencies: ["KeyVault", "Redis", "HTTPTransport", "BenchmarkSupport"], path: "Benchmarks/KeyVaultBenchmark",
            swiftSettings: strictSettings),

        .executableTarget(
            name: "kubernetes-bench", dependencies: ["Kubernetes", "BenchmarkSupport"], path: "Benchmarks/KubernetesBenchmark",
            swiftSettings: strictSettings),
        .executableTarget(
            name: "operator-bench", dependencies: ["Kubernetes", "KeyVault", "Redis", "UserIntegrationReconciler", "HTTPTransport", "BenchmarkSupport", "TestEnvironment"],
            path: "Benchmarks/OperatorBenchmark", swiftSettings: strictSettings),
        .target(name: "BenchmarkSupport", dependencies: ["DurationUnits", "HTTPTransport"], path: "Benchmarks/BenchmarkSupport", swiftSettings: strictSettings),

        // Shared helpers for the integration tests: the environment written by scripts/test-env.
        .target(
            name: "TestEnvironment", dependencies: ["CSpawn", "Kubernetes", "HTTPTransport", "Redis"], path: "Tests/TestEnvironment",
            swiftSettings: strictSettings),
        // glibc's spawn extensions, for children that inherit no descriptor of the test process.
        .systemLibrary(name: "CSpawn", path: "Tests/CSpawn"),

        .testTarget(
            name: "HTTPTransportTests", dependencies: ["HTTPTransport", "TestEnvironment"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "RedisTests", dependencies: ["Redis", "TestEnvironment"], swiftSettings: strictSettings),
        .testTarget(name: "YAMLTests", dependencies: ["YAML"], swiftSettings: strictSettings),
        .testTarget(name: "JSONReadingTests", dependencies: ["JSONReading"], swiftSettings: strictSettings),
        .testTarget(
            name: "KeyVaultTests",
            dependencies: ["KeyVault", "JSONReading", "Redis", "HTTPTransport", "TestEnvironment", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings),
        .testTarget(
            name: "KubernetesTests", dependencies: ["Kubernetes", "HTTPTransport", "TestEnvironment"], swiftSettings: strictSettings),
        .testTarget(
            name: "CRDTests", dependencies: ["Kubernetes", "YAML", "HTTPTransport", "TestEnvironment"], swiftSettings: strictSettings),
        .testTarget(name: "ControllerRuntimeTests", dependencies: ["ControllerRuntime"], swiftSettings: strictSettings),
        .testTarget(
            name: "UserIntegrationReconcilerTests",
            dependencies: ["UserIntegrationReconciler", "KeyVault", "Kubernetes", "JSONReading", "TestEnvironment"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "OperatorTests",
            dependencies: ["Kubernetes", "KeyVault", "Redis", "HTTPTransport", "UserIntegrationReconciler", "YAML", "TestEnvironment"],
            swiftSettings: strictSettings),
        .testTarget(name: "HTTPEndpointsTests", dependencies: ["HTTPEndpoints", "TestEnvironment"], swiftSettings: strictSettings),
        .testTarget(
            name: "KeyVaultEmulatorTests",
            dependencies: ["KeyVaultEmulator", "HTTPTransport", "TestEnvironment"],
            swiftSettings: strictSettings),
    ],
    swiftLanguageModes: [.v6]
)
