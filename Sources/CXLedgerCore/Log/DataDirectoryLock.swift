#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// An exclusive `flock` on `DIR/cxledger.lock`: one writer (a server or a writing command) per data directory.
///
/// A server writes its socket path into the file, so that a refused command can name the socket
/// to use instead. The lock belongs to the open file, so it is released when the process dies,
/// however it dies; a stale file therefore never blocks anyone.
public final class DataDirectoryLock: Sendable {
    /// Why the directory could not be taken: another process holds it.
    public struct Held: Error, Sendable, CustomStringConvertible {
        public let directory: String
        /// The socket of the server holding it, when the holder is a server.
        public let socketPath: String?

        public var description: String {
            if let socketPath {
                return "the data directory \(directory) is held by a running cxledger server; "
                    + "use its socket instead: --socket \(socketPath)"
            }
            return "the data directory \(directory) is held by another cxledger process; wait for it to finish"
        }
    }

    public static let fileName = "cxledger.lock"

    public let directory: String
    public let path: String
    /// The descriptor holding the lock; nil once released.
    private let descriptor: Mutex<Int32?>

    private init(directory: String, path: String, descriptor: Int32) {
        self.directory = directory
        self.path = path
        self.descriptor = Mutex(descriptor)
    }

    /// Takes the directory (creating it when missing), recording `socketPath` for anyone refused later.
    public static func acquire(directory: String, socketPath: String? = nil) throws -> DataDirectoryLock {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/" + fileName
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw LedgerError(code: .unavailable, message: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let failure = errno
            let holder = readContents(fd)
            close(fd)
            if failure == EWOULDBLOCK {
                throw Held(directory: directory, socketPath: holder.isEmpty ? nil : holder)
            }
            throw LedgerError(code: .unavailable, message: "cannot lock \(path): \(String(cString: strerror(failure)))")
        }
        let bytes = Array((socketPath ?? "").utf8)
        _ = ftruncate(fd, 0)
        if !bytes.isEmpty {
            _ = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
            _ = fsync(fd)
        }
        return DataDirectoryLock(directory: directory, path: path, descriptor: fd)
    }

    /// Gives the directory back; later calls do nothing.
    public func release() {
        descriptor.withLock { fd in
            guard let open = fd else { return }
            _ = ftruncate(open, 0)
            close(open) // closing the last descriptor of the open file drops the flock
            fd = nil
        }
    }

    deinit { release() }

    private static func readContents(_ fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return "" }
        return String(decoding: buffer[..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
