// swift-tools-version: 6.1
// gpufit: batched Levenberg-Marquardt fits on OpenCL devices (any vendor) with a native CPU engine,
// and the two-step task scaling-law ("model ladder") workflow built on it.
import Foundation
import PackageDescription

// The CPU engine's lane loop is compiled twice from one source (Sources/FitLanes; Sources/FitLanesAVX2
// holds symbolic links to the same files): portable (x86-64 baseline, SSE2), and with
// `-target-cpu haswell` (AVX2, FMA; x86-64-v3), which the engine runs only where CPUID says the processor
// has it. So the shipped binary is as portable as before, and fast on any x86-64 of the last decade.
// On other architectures both builds are the host's baseline (the check says no).
#if arch(x86_64)
let avx2Settings: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"]), .define("GPUFIT_AVX2_BUILD")]
#else
let avx2Settings: [SwiftSetting] = []
#endif
// `GPUFIT_TARGET_CPU=NAME swift build -c release --scratch-path .build-NAME` compiles the other engine
// modules for that processor too (not portable; for measurements).
let engineSettings: [SwiftSetting] = ProcessInfo.processInfo.environment["GPUFIT_TARGET_CPU"].map {
    [.unsafeFlags(["-target-cpu", $0])]
} ?? []

let package = Package(
    name: "gpufit",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "gpufit", targets: ["gpufit"]),
        .library(name: "GPUFit", targets: ["FitModels", "FitEngine", "FitSweep", "ModelExpressions", "LadderFit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
        .package(url: "https://github.com/swiftcsv/SwiftCSV", from: "0.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // `gpufit serve`: the HTTP server and the job store (SQLite).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
    ],
    targets: [
        // OpenCL C API, loaded with dlopen at run time so gpufit starts (and runs on its CPU engine)
        // on machines without an OpenCL loader. Needs only the OpenCL headers to build.
        .target(name: "CLLoader", linkerSettings: [.linkedLibrary("dl")]),
        // The OpenCL C sources, embedded into the binary (never read from the source tree at run time).
        .target(
            name: "Kernels",
            path: "kernels",
            resources: [
                .embedInCode("common.cl"),
                .embedInCode("lm.cl"),
                .embedInCode("model_loss_law.cl"),
                .embedInCode("model_compute_law.cl"),
                .embedInCode("model_sigmoid.cl"),
                .embedInCode("model_log_sigmoid.cl"),
                .embedInCode("model_single_step.cl"),
                .embedInCode("model_misra1a.cl"),
                .embedInCode("model_chwirut.cl"),
            ]
        ),
        // Layer 1: models (parameter names, bounds, value and analytic Jacobian, OpenCL source).
        .target(name: "FitModels", dependencies: ["Kernels"], swiftSettings: engineSettings),
        // Layer 1c: what the solvers share below the engine: the LM spec's constants, and the batch of fits
        // (LaneJob, FitFeed) the CPU engine hands to its lane workers.
        .target(name: "SolverCore", swiftSettings: engineSettings),
        // Layer 1b: models typed at run time as expressions, differentiated symbolically.
        .target(name: "ModelExpressions", dependencies: ["FitModels", "CSVReading"]),
        // Layer 2a: the CPU engine's sixteen-fits-per-vector loop, one source in two builds (see above).
        .target(name: "FitLanes", dependencies: ["FitModels", "SolverCore"], swiftSettings: engineSettings),
        .target(name: "FitLanesAVX2", dependencies: ["FitModels", "SolverCore"], swiftSettings: avx2Settings),
        // CPUID: may this processor run FitLanesAVX2?
        .target(name: "CPUFeatures"),
        // Layer 2: the LM solver, implemented twice (Swift CPU engine, OpenCL kernel), and devices.
        .target(name: "FitEngine", dependencies: ["FitModels", "SolverCore", "FitLanes", "FitLanesAVX2", "CPUFeatures", "Kernels", "CLLoader"],
                swiftSettings: engineSettings),
        // Layer 3: multi-start and bootstrap planning, counter-based random numbers, chunking, aggregation.
        .target(name: "FitSweep", dependencies: ["FitEngine", "FitModels"]),
        // Reading inputs: CSV tables with one-line errors naming file, line and column; InputError and its exit kinds.
        .target(name: "CSVReading", dependencies: ["SwiftCSV"]),
        // Writing outputs so that nothing that is not gpufit's is destroyed: atomic files, checked streams.
        .target(name: "SafeOutput", dependencies: ["CSVReading"]),
        // Layer 4: the two-step task scaling law on a model ladder.
        .target(name: "LadderFit", dependencies: ["CSVReading", "FitSweep", "FitEngine", "FitModels"]),
        // Figures and the self-contained HTML report of a ladder run (SVG, no scripts, no network).
        .target(name: "LadderReport", dependencies: ["CSVReading", "SafeOutput", "LadderFit", "FitSweep", "FitModels"]),
        // The fitting service (`gpufit serve`): HTTP routes, the durable job store, the one worker.
        // What a job computes is handed in by the command line, so the CLI and the service share one code path.
        .target(
            name: "FitService",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // The command line.
        .executableTarget(
            name: "gpufit",
            dependencies: [
                "CSVReading", "SafeOutput", "LadderFit", "LadderReport", "FitSweep", "FitEngine", "FitModels", "ModelExpressions",
                "FitService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // SHA-256 of the inputs a shard's part records (gpufit merge checks them).
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "TestSupport",
            dependencies: ["FitModels", "FitEngine", "ModelExpressions", .product(name: "Numerics", package: "swift-numerics")],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "FitEngineTests", dependencies: ["FitEngine", "FitModels", "SolverCore", "FitLanes", "FitLanesAVX2", "Kernels", "TestSupport"]),
        .testTarget(name: "FitSweepTests", dependencies: ["FitSweep", "FitEngine", "FitModels", "TestSupport"]),
        .testTarget(name: "ModelExpressionsTests", dependencies: ["ModelExpressions", "FitEngine", "FitModels", "TestSupport"]),
        .testTarget(name: "LadderFitTests", dependencies: ["CSVReading", "LadderFit", "FitSweep", "FitEngine", "FitModels", "TestSupport"]),
        .testTarget(name: "LadderReportTests", dependencies: ["CSVReading", "LadderReport", "LadderFit", "FitSweep", "FitEngine", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["TestSupport"]),
        .testTarget(name: "ServiceTests", dependencies: ["TestSupport"]),
    ]
)
