// swift-tools-version:6.0
import PackageDescription

/// Numerical targets are compiled for AVX2/FMA: without a target CPU, `SIMD8.addingProduct` becomes a call to
/// `fmaf` per lane, about 150× slower. Every machine this project runs on (developers' and CI's) is Zen3.
let vectorized: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]

let package = Package(
    name: "DPOWorkbench",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "dpo", targets: ["dpo"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .target(
            name: "CCurses", path: "Sources/CCurses",
            cSettings: [.define("_XOPEN_SOURCE_EXTENDED"), .define("NCURSES_WIDECHAR", to: "1")],
            linkerSettings: [.linkedLibrary("ncursesw"), .linkedLibrary("tinfo")]),
        .target(name: "Kernels", dependencies: ["CBLAS"], swiftSettings: vectorized),
        .target(name: "Model", dependencies: ["Kernels"], swiftSettings: vectorized),
        .target(name: "Tokenizer"),
        .target(name: "Preference", dependencies: ["Tokenizer"]),
        .target(
            name: "Training",
            dependencies: ["Model", "Preference", "Tokenizer", .product(name: "Yams", package: "Yams")],
            swiftSettings: vectorized),
        .target(name: "Workbench", dependencies: ["Training", "Model", "Preference", "Tokenizer", "CCurses"]),
        .executableTarget(
            name: "dpo",
            dependencies: [
                "Model", "Kernels", "Tokenizer", "Preference", "Training", "Workbench",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: vectorized),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels", "TestSupport"], swiftSettings: vectorized),
        .testTarget(name: "ModelTests", dependencies: ["Model", "Kernels", "TestSupport"], swiftSettings: vectorized),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Kernels", "Model", "Preference", "Tokenizer", "TestSupport"], swiftSettings: vectorized),
        .testTarget(name: "TokenizerTests", dependencies: ["Tokenizer", "TestSupport"]),
        .testTarget(name: "PreferenceTests", dependencies: ["Preference", "Tokenizer", "TestSupport"]),
        .testTarget(
            name: "WorkbenchTests", dependencies: ["Workbench", "Training", "Preference", "TestSupport"],
            exclude: ["Snapshots"]),
    ],
    swiftLanguageModes: [.v6]
)
