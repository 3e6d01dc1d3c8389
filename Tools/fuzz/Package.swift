// swift-tools-version:6.2
// The libFuzzer target lives in its own package: it has no `main` and must be linked with
// -sanitize=fuzzer, which the main package's ordinary `swift build` must not try.
import PackageDescription

let package = Package(
    name: "cxledger-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "cxledger", path: "../..")],
    targets: [
        .executableTarget(
            name: "cxledger-fuzz",
            dependencies: [.product(name: "CXLedgerCore", package: "cxledger")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
    ],
    swiftLanguageModes: [.v6]
)
