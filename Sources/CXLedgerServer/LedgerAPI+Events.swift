import CXLedgerCore
import Hummingbird
import LMDB

/// Appending and reading events.
extension LedgerAPI {
    // MARK: POST /v1/events

    func appendEvents(_ request: Request, _ context: LedgerRequestContext) async throws -> Response {
        let body = try await bodyReader.read(request)
        let (events, isBatch) = try decodeEvents(body)
        let answers: [AppendedEvent]
        do {
            answers = try await log.append(events)
        } catch let failure as AppendFailure {
            throw APIError(prefixed(failure.error, index: isBatch ? failure.index : nil))
        } catch let error as LedgerError {
            throw APIError(error)
        } catch let error as LMDBError where error.isDiskFull {
            logger.error("append refused: the disk is full", metadata: ["error": "\(error)"])
            throw APIError(LedgerError(code: .unavailable, message: "the disk is full; nothing was written"),
                           retryAfter: 30)
        } catch let error as LMDBError where error.isWriteFailure {
            // A full filesystem part-way through a commit shows up as a short write (EIO).
            logger.error("append refused: writing the data file failed", metadata: ["error": "\(error)"])
            throw APIError(LedgerError(code: .unavailable,
                                       message: "writing to disk failed (the disk is full or failing); nothing was written"),
                           retryAfter: 30)
        }
        let stored = answers.count { !$0.alreadyStored }
        metrics.recordAppend(storedEvents: stored)
        let status: HTTPResponse.Status = stored == 0 ? .ok : .created
        return JSONResponse.make(["events": .array(answers.map(\.json))], status: status)
    }

    /// One event object, or `{"events": [...]}`; validated statelessly, all or nothing.
    func decodeEvents(_ body: JSONValue) throws(APIError) -> ([ProposedEvent], isBatch: Bool) {
        guard case .object(let members) = body else {
            throw APIError(.invalidEvent, "the body must be one event object or {\"events\": [...]}, not a \(body.kindName)")
        }
        guard let list = members["events"] else {
            do { return ([try EventValidator.validate(body)], false) } catch { throw APIError(error) }
        }
        if members.count > 1, let other = members.keys.sorted().first(where: { $0 != "events" }) {
            throw APIError(.invalidEvent, "a batch holds only \"events\"", field: other)
        }
        guard case .array(let items) = list else {
            throw APIError(.invalidEvent, "must be an array of event objects", field: "events")
        }
        guard !items.isEmpty else {
            throw APIError(.invalidEvent, "must hold at least one event", field: "events")
        }
        guard items.count <= configuration.maxBatchEvents else {
            throw APIError(.tooLarge, "\(items.count) events is more than the batch limit of \(configuration.maxBatchEvents)",
                           field: "events")
        }
        var events: [ProposedEvent] = []
        events.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            do { events.append(try EventValidator.validate(item)) } catch {
                throw APIError(prefixed(error, index: index))
            }
        }
        return (events, true)
    }

    /// Puts `events[i].` before the field of an error about the i-th event of a batch.
    private func prefixed(_ error: LedgerError, index: Int?) -> LedgerError {
        guard let index else { return error }
        var error = error
        error.field = "events[\(index)]" + (error.field.map { "." + $0 } ?? "")
        return error
    }

    // MARK: GET /v1/events

    func readEvents(_ request: Request, _ context: LedgerRequestContext) async throws -> Response {
        let query = QueryParameters(request)
        try query.allowOnly(["from", "limit", "type", "customerId", "caseId", "wait"])
        let from = try query.int("from", min: 0) ?? 1
        let limit = try query.int("limit", min: 1, max: 10_000) ?? 1_000
        let wait = try query.seconds("wait", max: configuration.maxWaitSeconds)
        let filter = EventFilter(type: try query.string("type"), customerId: try query.string("customerId"),
                                 caseId: try query.string("caseId"))
        let deadline = wait.map { ContinuousClock.now + .milliseconds(Int64($0 * 1000)) }

        var scanFrom = max(from, 1)
        while true {
            // Note the generation before reading: a commit after this point wakes the wait below.
            let generation = notifier.generation
            let page = try scan(from: scanFrom, limit: limit, filter: filter)
            if !page.events.isEmpty || deadline == nil || notifier.isClosed {
                return eventsResponse(page.events, next: page.next)
            }
            let remaining = deadline! - ContinuousClock.now
            if remaining <= .zero || Task.isCancelled { return eventsResponse([], next: page.next) }
            scanFrom = page.next
            await notifier.wait(after: generation, timeout: remaining)
        }
    }

    /// Up to `limit` matching events from `from`, and the position to continue from: after the last
    /// one returned when the page is full, else after the last one scanned (the head of this snapshot).
    private func scan(from: Int, limit: Int, filter: EventFilter) throws -> (events: [StoredEvent], next: Int) {
        try log.read { txn in
            var events: [StoredEvent] = []
            var lastScanned = from - 1
            try log.forEachEvent(from: from, in: txn) { event in
                lastScanned = event.position
                if try filter.isEmpty || filter.matches(event.envelope()) { events.append(event) }
                return events.count < limit
            }
            return (events, lastScanned + 1)
        }
    }

    private func eventsResponse(_ events: [StoredEvent], next: Int) -> Response {
        JSONResponse.make(bytes: JSONResponse.eventPage(events, extra: [("next", .number(Double(next)))]))
    }

    // MARK: GET /v1/streams/{stream}

    func readStream(_ request: Request, _ context: LedgerRequestContext) throws -> Response {
        try QueryParameters(request).allowOnly([])
        let name = try pathParameter("stream", context)
        guard let events = try log.stream(name) else {
            throw APIError(.notFound, "stream \(name) is unknown", field: "stream")
        }
        return JSONResponse.make(bytes: JSONResponse.eventPage(events, extra: [("stream", .string(name))]))
    }
}
