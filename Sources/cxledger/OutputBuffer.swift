import Foundation

/// Buffers standard output so that printing a long replay costs one write per megabyte.
struct OutputBuffer {
    private var bytes: [UInt8] = []
    private let handle: FileHandle

    init(handle: FileHandle = .standardOutput) {
        self.handle = handle
        bytes.reserveCapacity(1 << 20)
    }

    mutating func line(_ content: some Collection<UInt8>) {
        bytes.append(contentsOf: content)
        bytes.append(UInt8(ascii: "\n"))
        if bytes.count >= 1 << 20 { flush() }
    }

    mutating func line(_ text: String) { line(Array(text.utf8)) }

    mutating func flush() {
        guard !bytes.isEmpty else { return }
        handle.write(Data(bytes))
        bytes.removeAll(keepingCapacity: true)
    }
}

/// Writes a message to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
