// swift-tools-version:6.0
import PackageDescription

/// Linux on x86-64 only, and said so here: numerical targets are compiled with `-target-cpu haswell` (AVX2/FMA;
/// without a target CPU `SIMD8.addingProduct` becomes a call to `fmaf` per lane, about 150× slower), which every
/// machine here has (AMD Zen3 with AVX2, Intel Xeon with AVX-512); `CKernels` holds the C kernels that use AVX-512
/// where the CPU has it, chosen at run time (the decode products and training attention's per-head products), the
/// optimizers' updates (Swift takes a SIMD square root lane by lane) and decode attention (Swift sums a vector's
/// lanes in a serial chain); ncurses is linked with Debian's split-out
/// `tinfo`; `dpo` reads `/proc/cpuinfo` and `/proc/self` for BLAS core selection and process metrics.
let vectorized: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]

let package = Package(
    name: "DPOWorkbench",
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
        .target(name: "Determinism"),
        .target(name: "CKernels", path: "Sources/CKernels"),
        .target(name: "Kernels", dependencies: ["CBLAS", "CKernels"], swiftSettings: vectorized),
        .target(name: "Model", dependencies: ["Kernels", "Determinism"], swiftSettings: vectorized),
        .target(name: "Tokenizer", dependencies: ["Determinism"]),
        .target(name: "Preference", dependencies: ["Tokenizer", "Determinism"]),
        .target(
            name: "Training",
            dependencies: ["Model", "Kernels", "Preference", "Tokenizer", "Determinism", .product(name: "Yams", package: "Yams")],
            swiftSettings: vectorized),
        .target(name: "Workbench", dependencies: ["Training", "Model", "Preference", "Tokenizer", "Determinism", "CCurses"]),
        .executableTarget(
            name: "dpo",
            dependencies: [
                "Model", "Kernels", "Tokenizer", "Preference", "Training", "Workbench", "Determinism",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: vectorized),
        .target(name: "TestSupport", dependencies: ["Determinism"], path: "Tests/TestSupport"),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels", "Determinism", "TestSupport"], swiftSettings: vectorized),
        .testTarget(name: "ModelTests", dependencies: ["Model", "Kernels", "Determinism", "TestSupport"], swiftSettings: vectorized),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Kernels", "Model", "Preference", "Tokenizer", "Determinism", "TestSupport"], swiftSettings: vectorized),
        .testTarget(name: "TokenizerTests", dependencies: ["Tokenizer", "Determinism", "TestSupport"]),
        .testTarget(name: "PreferenceTests", dependencies: ["Preference", "Tokenizer", "TestSupport"]),
        .testTarget(
            name: "WorkbenchTests", dependencies: ["Workbench", "Training", "Preference", "TestSupport"],
            exclude: ["Snapshots"]),
    ],
    swiftLanguageModes: [.v6]
)
