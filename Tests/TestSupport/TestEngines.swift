import FitEngine
import FitModels

/// The engines every behaviour suite runs on: the native CPU engine and each OpenCL device present
/// (PoCL in CI), in fp64.
public struct TestEngine: Sendable, CustomStringConvertible {
    public let description: String
    public let make: @Sendable () throws -> any FitEngine
}

public enum TestEngines {
    public static let cpu = TestEngine(description: "cpu") { CPUEngine() }

    public static let openCL: [TestEngine] = {
        guard case .success(let devices) = OpenCLRuntime.devices() else { return [] }
        return devices.filter(\.fp64).map { device in
            TestEngine(description: "opencl:\(device.index)") { try SharedEngines.openCL(device) }
        }
    }()

    public static var all: [TestEngine] { [cpu] + openCL }
}

/// One OpenCL engine per device for the whole test process (building programs is slow on PoCL).
enum SharedEngines {
    nonisolated(unsafe) static var engines = [Int: OpenCLEngine]()
    static let lock = NSLockish()
    static func openCL(_ device: OpenCLDevice) throws -> OpenCLEngine {
        try lock.with {
            if let e = engines[device.index] { return e }
            let e = try OpenCLEngine(device: device, precision: .fp64)
            engines[device.index] = e
            return e
        }
    }
}

import Foundation
final class NSLockish: @unchecked Sendable {
    private let lock = NSLock()
    func with<T>(_ body: () throws -> T) rethrows -> T { lock.lock(); defer { lock.unlock() }; return try body() }
}
