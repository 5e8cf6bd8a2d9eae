import CLLoader
import Foundation

/// One OpenCL device as `gpufit devices` lists it. `index` numbers devices across all platforms in the
/// order the loader reports them; it is what `--device N` takes.
public struct OpenCLDevice: Sendable, Codable, Hashable {
    public var index: Int
    public var platform: String
    public var name: String
    public var vendor: String
    /// "gpu", "cpu", "accelerator" or "other".
    public var type: String
    public var openCLVersion: String
    public var driverVersion: String
    public var fp64: Bool
    public var computeUnits: Int
    public var globalMemoryBytes: UInt64
    public var maxWorkGroupSize: Int

    var id: cl_device_id? { OpenCLDevice.handles.withLock { $0[index] } }

    static let handles = HandleLock()
    final class HandleLock: @unchecked Sendable {
        private let lock = NSLock()
        private var store = [Int: cl_device_id]()
        func withLock<T>(_ body: (inout [Int: cl_device_id]) -> T) -> T {
            lock.lock(); defer { lock.unlock() }
            return body(&store)
        }
    }
}

/// Lists OpenCL platforms and devices through the run-time loaded loader.
public enum OpenCLRuntime {
    /// The devices, or why there are none (no loader, no platform: the loader's -1001, ...).
    public static func devices() -> Result<[OpenCLDevice], FitError> {
        cache.withLock { cached in
            if let cached { return cached }
            let result = enumerate()
            cached = result
            return result
        }
    }

    private static let cache = Cache()
    private final class Cache: @unchecked Sendable {
        private let lock = NSLock()
        private var value: Result<[OpenCLDevice], FitError>?
        func withLock(_ body: (inout Result<[OpenCLDevice], FitError>?) -> Result<[OpenCLDevice], FitError>) -> Result<[OpenCLDevice], FitError> {
            lock.lock(); defer { lock.unlock() }
            return body(&value)
        }
    }

    /// Ensures the loader is loaded; throws `openCLUnavailable` with the reason otherwise.
    static func load() throws {
        var message = [CChar](repeating: 0, count: 512)
        if cll_load(&message, message.count) != 0 {
            throw FitError.openCLUnavailable(string(message))
        }
    }

    private static func enumerate() -> Result<[OpenCLDevice], FitError> {
        do { try load() } catch let e as FitError { return .failure(e) } catch { return .failure(.openCLUnavailable("\(error)")) }
        var platformCount: cl_uint = 0
        let status = cll_GetPlatformIDs(0, nil, &platformCount)
        if status == CL_PLATFORM_NOT_FOUND_KHR || (status == CL_SUCCESS && platformCount == 0) {
            return .failure(.openCLUnavailable("no OpenCL platform is installed (error -1001); install a driver such as pocl-opencl-icd or a GPU vendor's OpenCL ICD"))
        }
        guard status == CL_SUCCESS else { return .failure(.openCLUnavailable("clGetPlatformIDs failed with error \(status)")) }
        var platforms = [cl_platform_id?](repeating: nil, count: Int(platformCount))
        guard cll_GetPlatformIDs(platformCount, &platforms, nil) == CL_SUCCESS else {
            return .failure(.openCLUnavailable("clGetPlatformIDs failed"))
        }
        var list = [OpenCLDevice]()
        for platform in platforms {
            let platformName = platformInfo(platform, cl_platform_info(CL_PLATFORM_NAME))
            var count: cl_uint = 0
            guard cll_GetDeviceIDs(platform, cl_device_type(CL_DEVICE_TYPE_ALL), 0, nil, &count) == CL_SUCCESS, count > 0 else { continue }
            var ids = [cl_device_id?](repeating: nil, count: Int(count))
            guard cll_GetDeviceIDs(platform, cl_device_type(CL_DEVICE_TYPE_ALL), count, &ids, nil) == CL_SUCCESS else { continue }
            for id in ids {
                guard let id else { continue }
                let typeBits: cl_device_type = scalarInfo(id, cl_device_info(CL_DEVICE_TYPE)) ?? 0
                let type: String
                if typeBits & cl_device_type(CL_DEVICE_TYPE_GPU) != 0 { type = "gpu" }
                else if typeBits & cl_device_type(CL_DEVICE_TYPE_CPU) != 0 { type = "cpu" }
                else if typeBits & cl_device_type(CL_DEVICE_TYPE_ACCELERATOR) != 0 { type = "accelerator" }
                else { type = "other" }
                let extensions = deviceString(id, cl_device_info(CL_DEVICE_EXTENSIONS))
                let fp64Config: cl_device_fp_config = scalarInfo(id, cl_device_info(CL_DEVICE_DOUBLE_FP_CONFIG)) ?? 0
                let device = OpenCLDevice(
                    index: list.count, platform: platformName, name: deviceString(id, cl_device_info(CL_DEVICE_NAME)),
                    vendor: deviceString(id, cl_device_info(CL_DEVICE_VENDOR)), type: type,
                    openCLVersion: deviceString(id, cl_device_info(CL_DEVICE_VERSION)),
                    driverVersion: deviceString(id, cl_device_info(CL_DRIVER_VERSION)),
                    fp64: extensions.contains("cl_khr_fp64") || fp64Config != 0,
                    computeUnits: Int(scalarInfo(id, cl_device_info(CL_DEVICE_MAX_COMPUTE_UNITS)) as cl_uint? ?? 0),
                    globalMemoryBytes: scalarInfo(id, cl_device_info(CL_DEVICE_GLOBAL_MEM_SIZE)) ?? 0,
                    maxWorkGroupSize: Int(scalarInfo(id, cl_device_info(CL_DEVICE_MAX_WORK_GROUP_SIZE)) as Int? ?? 1))
                OpenCLDevice.handles.withLock { $0[device.index] = id }
                list.append(device)
            }
        }
        if list.isEmpty { return .failure(.openCLUnavailable("OpenCL platforms exist but report no devices")) }
        return .success(list)
    }

    static func string(_ chars: [CChar]) -> String {
        String(decoding: chars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func platformInfo(_ p: cl_platform_id?, _ what: cl_platform_info) -> String {
        var size = 0
        guard cll_GetPlatformInfo(p, what, 0, nil, &size) == CL_SUCCESS, size > 0 else { return "?" }
        var chars = [CChar](repeating: 0, count: size)
        guard cll_GetPlatformInfo(p, what, size, &chars, nil) == CL_SUCCESS else { return "?" }
        return string(chars).trimmingCharacters(in: .whitespaces)
    }

    static func deviceString(_ d: cl_device_id, _ what: cl_device_info) -> String {
        var size = 0
        guard cll_GetDeviceInfo(d, what, 0, nil, &size) == CL_SUCCESS, size > 0 else { return "?" }
        var chars = [CChar](repeating: 0, count: size)
        guard cll_GetDeviceInfo(d, what, size, &chars, nil) == CL_SUCCESS else { return "?" }
        return string(chars).trimmingCharacters(in: .whitespaces)
    }

    static func scalarInfo<T: FixedWidthInteger>(_ d: cl_device_id, _ what: cl_device_info) -> T? {
        var value: T = 0
        var size = 0
        guard cll_GetDeviceInfo(d, what, MemoryLayout<T>.size, &value, &size) == CL_SUCCESS else { return nil }
        // Some info is size_t (8 bytes) and some cl_uint (4): accept either width.
        if size == MemoryLayout<T>.size { return value }
        if size == 4 {
            var v32: UInt32 = 0
            guard cll_GetDeviceInfo(d, what, 4, &v32, nil) == CL_SUCCESS else { return nil }
            return T(truncatingIfNeeded: v32)
        }
        return value
    }
}
