import CSVReading
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where one output goes, decided and checked before any work starts, so a bad path costs nothing and a
/// run never destroys what is not its own:
/// - `-`: standard output (data alone; the command moves its human summary to stderr);
/// - a new path, or a regular file: written atomically (a temporary file beside it, then a rename), keeping
///   an existing file's permissions; a read-only file is refused, not replaced;
/// - a symbolic link: followed (chains too), and its final target handled by these same rules, so the link
///   stays a link;
/// - a character device or FIFO (`/dev/null`, `/dev/stdout` through its link, a named pipe): written in
///   place as a stream, every write checked (`/dev/full` fails with ENOSPC, named);
/// - a Unix socket: connected to and written as a stream;
/// - a directory or a block device: refused by name.
/// Every failure is an `InputError` of kind `.cannotCreateOutput` (exit 73) naming the option and the path.
public struct OutputTarget: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case standardOutput
        /// Written atomically at `path` (the final target after following links).
        case atomicFile(path: String)
        /// Written in place, as a stream: a character device or a FIFO.
        case stream(path: String)
        /// A Unix domain socket, connected to and written as a stream.
        case socket(path: String)
        /// An open descriptor of this process, named as /dev/fd/N, /proc/self/fd/N or /dev/stderr.
        case descriptor(Int32)
    }

    /// The option that named it ("--out"), for messages.
    public let option: String
    /// The path as the user gave it.
    public let given: String
    public let kind: Kind

    public var isStandardOutput: Bool { kind == .standardOutput }

    /// Checks `path` for `option` and says how it will be written; throws if it cannot be.
    public init(_ path: String, option: String) throws {
        self.option = option
        given = path
        if path == "-" {
            kind = .standardOutput
            return
        }
        guard !path.isEmpty else { throw InputError.usage("\(option): empty path; give a file name, or - for standard output") }
        kind = try Self.resolve(path, option: option, given: path, depth: 0)
    }

    private static func fail(_ option: String, _ path: String, _ why: String) -> InputError {
        InputError.cannotCreateOutput("\(option) \(path): \(why)")
    }

    private static func resolve(_ path: String, option: String, given: String, depth: Int) throws -> Kind {
        guard depth < 40 else { throw fail(option, given, "too many levels of symbolic links") }
        // /dev/stdout and friends name this process's own descriptors: write to the descriptor itself (its
        // link may point at a pipe, a terminal or a file the shell opened, which must not be replaced).
        if let fd = descriptorNumber(path) {
            guard fcntl(fd, F_GETFD) != -1 else { throw fail(option, given, "descriptor \(fd) is not open") }
            return fd == STDOUT_FILENO ? .standardOutput : .descriptor(fd)
        }
        var info = stat()
        if lstat(path, &info) != 0 {
            let code = errno
            guard code == ENOENT else { throw fail(option, given, "cannot be examined (\(String(cString: strerror(code))))") }
            try checkFolder(of: path, option: option, given: given)
            return .atomicFile(path: path)
        }
        switch info.st_mode & S_IFMT {
        case S_IFLNK:
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(path, &buffer, buffer.count - 1)
            guard n >= 0 else { throw fail(option, given, "cannot read the symbolic link (\(String(cString: strerror(errno))))") }
            let target = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let absolute = target.hasPrefix("/") ? target : (folder(of: path) as NSString).appendingPathComponent(target)
            return try resolve(absolute, option: option, given: given, depth: depth + 1)
        case S_IFREG:
            // access() says yes to root for any file, so a file with no write bit at all is refused too.
            guard access(path, W_OK) == 0, info.st_mode & 0o222 != 0 else {
                throw fail(option, given, "is read-only; gpufit does not replace it (choose another name or make it writable)")
            }
            try checkFolder(of: path, option: option, given: given)
            return .atomicFile(path: path)
        case S_IFDIR:
            throw fail(option, given, "is a directory; give a file name inside it (e.g. \((given as NSString).appendingPathComponent("result.json")))")
        case S_IFCHR, S_IFIFO:
            guard access(path, W_OK) == 0 else { throw fail(option, given, "is not writable") }
            return .stream(path: path)
        case S_IFSOCK:
            return .socket(path: path)
        case S_IFBLK:
            throw fail(option, given, "is a block device; gpufit does not write to disks directly")
        default:
            throw fail(option, given, "is not a file gpufit can write")
        }
    }

    private static func descriptorNumber(_ path: String) -> Int32? {
        switch path {
        case "/dev/stdout": return STDOUT_FILENO
        case "/dev/stderr": return STDERR_FILENO
        default:
            for prefix in ["/dev/fd/", "/proc/self/fd/"] where path.hasPrefix(prefix) {
                return Int32(path.dropFirst(prefix.count))
            }
            return nil
        }
    }

    private static func folder(of path: String) -> String {
        let dir = (path as NSString).deletingLastPathComponent
        return dir.isEmpty ? "." : dir
    }

    /// The folder a file is created in must exist and be writable (for the temporary file and the rename).
    private static func checkFolder(of path: String, option: String, given: String) throws {
        let dir = folder(of: path)
        var info = stat()
        guard stat(dir, &info) == 0 else { throw fail(option, given, "folder \(dir) does not exist; create it first") }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw fail(option, given, "\(dir) is not a folder") }
        guard access(dir, W_OK | X_OK) == 0 else { throw fail(option, given, "folder \(dir) is not writable") }
    }

    /// Writes the whole text: atomically, or as a checked stream. On failure nothing is left half-written at
    /// an atomic target (the temporary file is removed) and the error names the path and the cause.
    public func write(_ text: String) throws {
        let bytes = Array(text.utf8)
        switch kind {
        case .standardOutput:
            try Self.writeAll(STDOUT_FILENO, bytes) { fail("standard output: \($0)") }
        case .descriptor(let fd):
            try Self.writeAll(fd, bytes) { fail("writing descriptor \(fd) failed: \($0)") }
        case .stream(let path):
            let fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
            guard fd >= 0 else { throw fail("cannot open \(path) (\(String(cString: strerror(errno))))") }
            defer { close(fd) }
            try Self.writeAll(fd, bytes) { fail("writing \(path) failed: \($0)") }
        case .socket(let path):
            let fd = try Self.connect(path) { fail($0) }
            defer { close(fd) }
            try Self.writeAll(fd, bytes) { fail("writing to socket \(path) failed: \($0)") }
        case .atomicFile(let path):
            try writeAtomically(bytes, to: path)
        }
    }

    private func fail(_ why: String) -> InputError { InputError.cannotCreateOutput("\(option) \(given): \(why)") }

    private func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let dir = Self.folder(of: path), name = (path as NSString).lastPathComponent
        var template = Array("\(dir)/.\(name).gpufit-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw fail("cannot create a temporary file in \(dir) (\(String(cString: strerror(errno))))") }
        let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var done = false
        defer {
            if !done { unlink(temporary) }
        }
        // Keep an existing file's permissions; a new file gets the usual 0666 less the umask (mkstemp gives 0600).
        var existing = stat()
        let mode: mode_t
        if stat(path, &existing) == 0 {
            mode = existing.st_mode & 0o7777
        } else {
            let mask = umask(0)
            umask(mask)
            mode = 0o666 & ~mask
        }
        fchmod(fd, mode)
        do {
            try Self.writeAll(fd, bytes) { fail("writing failed: \($0)") }
        } catch {
            close(fd)
            throw error
        }
        guard fsync(fd) == 0 || errno == EINVAL else {
            let why = String(cString: strerror(errno))
            close(fd)
            throw fail("writing failed: \(why)")
        }
        guard close(fd) == 0 else { throw fail("writing failed: \(String(cString: strerror(errno)))") }
        guard rename(temporary, path) == 0 else { throw fail("cannot replace it (\(String(cString: strerror(errno))))") }
        done = true
    }

    /// Writes every byte, retrying short writes and EINTR; any other failure is thrown with its cause.
    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], _ error: (String) -> InputError) throws {
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw error(String(cString: strerror(errno)))
                }
                if n == 0 { throw error("the device accepted no bytes") }
                offset += n
            }
        }
    }

    private static func connect(_ path: String, _ error: (String) -> InputError) throws -> Int32 {
        #if canImport(Glibc)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw error("cannot create a socket (\(String(cString: strerror(errno))))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw error("socket path is too long")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Foundation.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard status == 0 else {
            let why = String(cString: strerror(errno))
            close(fd)
            throw error("cannot connect to the socket (\(why))")
        }
        return fd
    }
}

/// An output folder (`--report DIR`): checked before work starts; created (with missing parents) when
/// written; each file in it is an `OutputTarget` (so links are followed and files replaced atomically).
public struct OutputFolder: Sendable {
    public let option: String
    public let path: String

    public init(_ path: String, option: String) throws {
        self.option = option
        self.path = path
        guard !path.isEmpty, path != "-" else { throw InputError.usage("\(option): give a folder name") }
        var info = stat()
        if stat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw InputError.cannotCreateOutput("\(option) \(path): exists and is not a folder; give a folder name")
            }
            guard access(path, W_OK | X_OK) == 0 else { throw InputError.cannotCreateOutput("\(option) \(path): folder is not writable") }
            return
        }
        // Not there yet: the nearest existing ancestor must be a writable folder.
        var ancestor = (path as NSString).deletingLastPathComponent
        while !ancestor.isEmpty, stat(ancestor, &info) != 0 { ancestor = (ancestor as NSString).deletingLastPathComponent }
        if ancestor.isEmpty { ancestor = "." ; _ = stat(ancestor, &info) }
        guard info.st_mode & S_IFMT == S_IFDIR, access(ancestor, W_OK | X_OK) == 0 else {
            throw InputError.cannotCreateOutput("\(option) \(path): cannot create it (\(ancestor) is not a writable folder)")
        }
    }

    /// Creates the folder if needed and writes each (name, text) into it.
    public func write(_ files: [(name: String, text: String)]) throws -> [String] {
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw InputError.cannotCreateOutput("\(option) \(path): cannot create the folder (\(error.localizedDescription))")
        }
        var written = [String]()
        for (name, text) in files {
            let file = (path as NSString).appendingPathComponent(name)
            try OutputTarget(file, option: option).write(text)
            written.append(file)
        }
        return written
    }
}
