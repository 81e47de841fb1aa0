// swift-tools-version: 6.1
import PackageDescription

// libFuzzer targets for the project's hand-written parsers, in a package of their own so the
// main package and its builds are untouched. Build and run them with `make fuzz` (scripts/fuzz):
// it passes `-sanitize=fuzzer,address` for every module, so the parsers are instrumented too.
let project = "keyvault-operator"

/// One fuzzing executable, `fuzz-<name>`, over the given products of the main package.
func fuzzTarget(_ name: String, _ products: [String]) -> Target {
    .executableTarget(
        name: "fuzz-\(name)",
        dependencies: ["FuzzSupport"] + products.map { .product(name: $0, package: project) })
}

let package = Package(
    name: "keyvault-operator-fuzz",
    dependencies: [.package(name: project, path: "..")],
    targets: [
        .systemLibrary(name: "CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer"]),
        fuzzTarget("json", ["Kubernetes", "UserIntegrationReconciler"]),
        fuzzTarget("yaml", ["YAML"]),
        fuzzTarget("manifest", ["UserIntegrationReconciler"]),
        fuzzTarget("kubeconfig", ["Kubernetes"]),
        fuzzTarget("redis-reply", ["Redis"]),
        fuzzTarget("cache-entry", ["KeyVault"]),
    ],
    swiftLanguageModes: [.v6]
)
