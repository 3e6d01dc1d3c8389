#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The POSIX pieces for Unix domain socket files: connecting, probing for a live server, permissions.
public enum UnixSocket {
    /// Why a socket operation failed, with errno's text.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let operation: String
        public let code: Int32
        public var description: String { "\(operation): \(String(cString: strerror(code)))" }
    }

    /// A connected stream socket to `path` (close-on-exec), or the error of `connect`.
    public static func connect(path: String) throws(Failure) -> Int32 {
        #if canImport(Glibc)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let fd = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw Failure(operation: "socket", code: errno) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else {
            close(fd)
            throw Failure(operation: "socket path \(path) is longer than \(capacity - 1) bytes", code: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                systemConnect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard rc == 0 else {
            let code = errno
            close(fd)
            throw Failure(operation: "connect \(path)", code: code)
        }
        #if canImport(Darwin)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
        #endif
        return fd
    }

    /// Whether something accepts connections on `path`. A file nobody listens on (left by a crash) is not live.
    public static func isLive(path: String) -> Bool {
        do {
            let fd = try connect(path: path)
            close(fd)
            return true
        } catch {
            return !(error.code == ECONNREFUSED || error.code == ENOENT)
        }
    }

    /// Sets the permission bits of the socket file.
    static func setMode(path: String, mode: UInt16) throws(Failure) {
        guard chmod(path, mode_t(mode)) == 0 else { throw Failure(operation: "chmod \(path)", code: errno) }
    }

    /// The file's device and inode, to recognise our own socket file at shutdown.
    static func identity(path: String) -> (UInt64, UInt64)? {
        var s = stat()
        guard lstat(path, &s) == 0 else { return nil }
        return (UInt64(s.st_dev), UInt64(s.st_ino))
    }

    /// Removes the socket file at `path` if it is still the one identified by `identity`
    /// (a successor may already have replaced it).
    static func remove(path: String, ifIdentity identity: (UInt64, UInt64)) {
        guard let current = self.identity(path: path), current == identity else { return }
        unlink(path)
    }
}

#if canImport(Glibc)
private let systemConnect = Glibc.connect
#elseif canImport(Darwin)
private let systemConnect = Darwin.connect
#endif
