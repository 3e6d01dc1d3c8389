import Foundation
import LMDB

/// The entries of one table, gathered in any order and handed out in key order (LMDB's byte order).
///
/// Keys and values live back to back in chunks of a few MiB, an entry being a span of one. A rebuild's tables
/// hold millions of small entries (a timeline entry per event), and an array of their own for each key and
/// value cost more to allocate, write out and free than the folding itself. One growing buffer instead was
/// copied at every doubling into fresh pages the kernel had to fault in and zero: a third of the time spent
/// building the open-cases table. Chunks are never moved, and freed chunks of that size are reused by malloc.
struct SortedTable: Sendable {
    let db: Database
    private var store = ByteChunks()
    private var spans: [Span] = []
    /// Whether entries were added in key order already.
    private var ordered = true
    /// Where a key is written before it is copied next to its value (kept, so its capacity is reused).
    private var scratch: [UInt8] = []

    /// Where an entry lies: its chunk, where its key starts there, then the key's and the value's lengths
    /// (the value follows the key).
    private struct Span {
        let chunk: Int32
        let start: Int32
        let keyCount: Int32
        let valueCount: Int32

        /// The same entry in a store whose chunks start with `count` others.
        func shifted(_ count: Int32) -> Span {
            Span(chunk: chunk + count, start: start, keyCount: keyCount, valueCount: valueCount)
        }
    }

    init(_ db: Database, capacity: Int = 0) {
        self.db = db
        spans.reserveCapacity(capacity)
    }

    var count: Int { spans.count }

    mutating func add(_ key: [UInt8], _ value: [UInt8]) {
        add(key: { $0.append(contentsOf: key) }, value)
    }

    /// Adds an entry whose key `writeKey` appends to the bytes it is handed, so the key needs no array of its own.
    mutating func add(key writeKey: (inout [UInt8]) -> Void, _ value: [UInt8]) {
        scratch.removeAll(keepingCapacity: true)
        writeKey(&scratch)
        if !isKnownUniquelyReferenced(&store) { store = store.copy() }
        let span = scratch.withUnsafeBytes { key in value.withUnsafeBytes { value in store.append(key, value) } }
        if ordered, let last = spans.last {
            ordered = bytesPrecede(key(of: last), key(of: span))
        }
        spans.append(span)
    }

    func sorted() -> SortedTable {
        guard !ordered else { return self }
        var copy = self
        copy.spans.sort { bytesPrecede(key(of: $0), key(of: $1)) }
        copy.ordered = true
        return copy
    }

    /// This table's entries and `other`'s, in key order, for the same database. A key held by both must hold the
    /// same value in both, and is kept once: the shares of a rebuild (see `FoldPartition`) hold the same entries
    /// only for what every share folds alike, and anything else is a bug that must not reach the tables, so it
    /// fails the rebuild (the live generation stays) rather than the process.
    /// The merged table reads the bytes where both tables keep them (its store holds on to theirs): copied, they
    /// filled fresh pages the kernel had to zero, a million timeline entries at a time.
    func merged(with other: SortedTable) throws(LedgerError) -> SortedTable {
        let a = sorted(), b = other.sorted()
        var merged = SortedTable(db, capacity: a.count + b.count)
        merged.store = ByteChunks(joining: a.store, b.store)
        let shift = Int32(a.store.chunkCount)
        var i = 0, j = 0
        while i < a.count || j < b.count {
            guard i < a.count else { merged.spans.append(b.spans[j].shifted(shift)); j += 1; continue }
            guard j < b.count else { merged.spans.append(a.spans[i]); i += 1; continue }
            let ka = a.key(of: a.spans[i]), kb = b.key(of: b.spans[j])
            if bytesPrecede(ka, kb) {
                merged.spans.append(a.spans[i])
                i += 1
            } else if bytesPrecede(kb, ka) {
                merged.spans.append(b.spans[j].shifted(shift))
                j += 1
            } else {
                guard a.value(of: a.spans[i]).elementsEqual(b.value(of: b.spans[j])) else {
                    throw LedgerError(code: .unavailable, message: "the rebuild's shares folded different values under "
                                      + "key \(Hex.string(Array(ka))) of \(db.name); this is a bug, and the live generation stays")
                }
                merged.spans.append(a.spans[i])
                i += 1
                j += 1
            }
        }
        return merged
    }

    /// Hands the entries at `offsets` to `body` in order, as bytes valid only during the call.
    func forEach(in offsets: Range<Int>,
                 _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Void) rethrows {
        try withExtendedLifetime(store) {
            for i in offsets {
                let span = spans[i]
                try body(key(of: span), value(of: span))
            }
        }
    }

    /// Every entry as arrays (for tests).
    var entries: [(key: [UInt8], value: [UInt8])] {
        var all: [(key: [UInt8], value: [UInt8])] = []
        all.reserveCapacity(count)
        forEach(in: 0..<count) { all.append((Array($0), Array($1))) }
        return all
    }

    /// Valid while `store` lives: its chunks never move.
    private func key(of span: Span) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: store.base(of: span.chunk) + Int(span.start), count: Int(span.keyCount))
    }

    private func value(of span: Span) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: store.base(of: span.chunk) + Int(span.start) + Int(span.keyCount),
                               count: Int(span.valueCount))
    }

    /// Append-only byte chunks that stay where they are until the last table sharing them is gone.
    private final class ByteChunks: @unchecked Sendable {
        // @unchecked: a table's chunks are written only by the one table value that holds them uniquely (`add`
        // copies them first otherwise), then only read; a table moves between threads through a lock
        // (`BoundedHandoff`), which orders those writes before the reads.
        static let chunkSize = 4 << 20
        private var chunks: [(base: UnsafeMutableRawPointer, capacity: Int, used: Int)] = []
        /// Chunks from this index on are this store's own, to free; those before it belong to `joined`.
        private var firstOwned = 0
        private var joined: [ByteChunks] = []

        init() {}

        /// A store reading the chunks of `first`, then those of `second`, kept alive as long as it is. Appends go
        /// to chunks of its own: the joined chunks count as full, since other tables may still read them.
        init(joining first: ByteChunks, _ second: ByteChunks) {
            chunks = (first.chunks + second.chunks).map { ($0.base, $0.used, $0.used) }
            firstOwned = chunks.count
            joined = [first, second]
        }

        var chunkCount: Int { chunks.count }

        func base(of chunk: Int32) -> UnsafeMutableRawPointer { chunks[Int(chunk)].base }

        func append(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Span {
            let needed = key.count + value.count
            if chunks.isEmpty || chunks[chunks.count - 1].capacity - chunks[chunks.count - 1].used < needed {
                let capacity = max(Self.chunkSize, needed)
                chunks.append((UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16), capacity, 0))
            }
            let chunk = chunks.count - 1
            let start = chunks[chunk].used
            let base = chunks[chunk].base + start
            if key.count > 0 { base.copyMemory(from: key.baseAddress!, byteCount: key.count) }
            if value.count > 0 { (base + key.count).copyMemory(from: value.baseAddress!, byteCount: value.count) }
            chunks[chunk].used += needed
            return Span(chunk: Int32(chunk), start: Int32(start), keyCount: Int32(key.count), valueCount: Int32(value.count))
        }

        func copy() -> ByteChunks {
            let copy = ByteChunks()
            for (base, capacity, used) in chunks {
                let moved = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
                moved.copyMemory(from: base, byteCount: used)
                copy.chunks.append((moved, capacity, used))
            }
            return copy
        }

        deinit {
            for chunk in chunks[firstOwned...] { chunk.base.deallocate() }
        }
    }
}
