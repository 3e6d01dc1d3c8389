import CXLedgerCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// Answers, with SPEC's JSON error body, the requests that cannot reach the router, then ends the connection.
///
/// Two kinds of request never get to `ErrorMiddleware`:
/// - bytes NIO's HTTP/1.1 parser refuses (a method it does not know, such as `FOO`, or a malformed request
///   line or header): Hummingbird would answer a bare 400 with an empty body. Here the answer is 400
///   `invalid_query`: SPEC names no code for a malformed request, and of its 400 codes this is the one
///   about what the request asks for rather than the body it carries.
/// - `CONNECT`: the parser turns the connection into a tunnel after it, and NIO's response encoder strips
///   the body from any response to it, so even the router's JSON `not_found` would go out empty. Here it
///   is 404 `not_found`, as for any method no endpoint takes.
///
/// The answer waits for the responses to requests received before it (pipelined on the same connection),
/// is written below NIO's response encoder (so that the CONNECT body is not stripped), and is followed by
/// closing the connection's output: nothing after a broken request can be parsed. A parse failure in the
/// middle of a request body the router already has goes to that request's body stream instead, as an
/// error that is not an `HTTPParserError` (for which Hummingbird would write a second, bare, 400).
///
/// Sits after `HTTP1ToHTTPServerCodec` in each connection's pipeline (`HTTP1Channel`'s additional
/// channel handlers), so it sees requests and responses as HTTP types.
final class MalformedRequestHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// What a request body stream fails with when the bytes after its start cannot be parsed.
    struct MalformedBody: Error, CustomStringConvertible {
        let description: String
    }

    private let metrics: ServerMetrics
    private let logger: Logger
    /// The context of NIO's response encoder: writing through it puts bytes on the wire as they are.
    private var encoderContext: ChannelHandlerContext?
    /// Requests passed on to the router whose responses have not ended yet.
    private var unanswered = 0
    /// Between a request head passed on and the end of its body.
    private var readingBody = false
    /// Set once the connection's input is unusable: nothing more is passed on, and the output closes
    /// when every request passed on before has been answered.
    private var broken = false
    /// The answer to write before closing, when the failure is the next request's own.
    private var refusal: APIError?
    private var finished = false

    init(metrics: ServerMetrics, logger: Logger) {
        self.metrics = metrics
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        encoderContext = try? context.pipeline.syncOperations.context(handlerType: HTTPResponseEncoder.self)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        encoderContext = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !broken else { return }
        switch unwrapInboundIn(data) {
        case .head(let request):
            if request.method == .connect {
                // Not echoing the target: the conversion to HTTP types has mangled an authority-form one.
                refuse(APIError(.notFound, "no endpoint takes CONNECT, a proxy's method; the endpoints take GET or POST"),
                       context: context)
                return
            }
            unanswered += 1
            readingBody = true
        case .body:
            break
        case .end:
            readingBody = false
        }
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let message = Self.parseFailure(error) else {
            context.fireErrorCaught(error)
            return
        }
        // The decoder reports every later read as an error too: one answer is enough.
        guard !broken else { return }
        if readingBody {
            broken = true
            context.fireErrorCaught(MalformedBody(description: message))
            finishIfAnswered(context: context)
        } else {
            refuse(APIError(.invalidQuery, message), context: context)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let isEnd = if case .end = unwrapOutboundIn(data) { true } else { false }
        context.write(data, promise: promise)
        if isEnd {
            unanswered = max(0, unanswered - 1)
            finishIfAnswered(context: context)
        }
    }

    private func refuse(_ error: APIError, context: ChannelHandlerContext) {
        broken = true
        refusal = error
        finishIfAnswered(context: context)
    }

    private func finishIfAnswered(context: ChannelHandlerContext) {
        guard broken, unanswered == 0, !finished else { return }
        finished = true
        if let refusal, let encoderContext {
            let bytes = Self.rawResponse(refusal)
            // Counted once written: a connection already closing by then never received it.
            let written = context.eventLoop.makePromise(of: Void.self)
            let metrics = self.metrics, status = refusal.status.code
            written.futureResult.whenSuccess { metrics.recordResponse(status: status) }
            encoderContext.write(NIOAny(IOData.byteBuffer(context.channel.allocator.buffer(bytes: bytes))), promise: written)
            logger.debug("request refused by the HTTP layer", metadata: [
                "status": "\(refusal.status.code)", "error": "\(refusal.error.code.rawValue)",
                "message": "\(refusal.error.message)"])
        }
        context.flush()
        // Closing only the output lets the client read the answer; the connection ends when it closes. A client
        // that never does would keep the connection (and its request task) for good, so it gets a moment to
        // read, then the whole connection is closed.
        context.close(mode: .output, promise: nil)
        let channel = context.channel
        context.eventLoop.scheduleTask(in: Self.lingerAfterRefusal) { channel.close(promise: nil) }
    }

    /// How long a refused connection stays half-open for the client to read the answer.
    static let lingerAfterRefusal = TimeAmount.seconds(2)

    /// The response to `error` as bytes: `ErrorMiddleware`'s body, framed by hand and announcing the close.
    static func rawResponse(_ error: APIError) -> [UInt8] {
        let body = CanonicalJSON.encode(error.json)
        let status = HTTPResponseStatus(statusCode: error.status.code)
        let head = "HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        return Array(head.utf8) + body
    }

    /// What is wrong, when `error` says that the connection's bytes are not a request; nil for other errors.
    static func parseFailure(_ error: any Error) -> String? {
        switch error {
        case HTTPParserError.invalidMethod:
            return "the request's method is not an HTTP method; the endpoints take GET or POST"
        case HTTPParserError.headerOverflow:
            return "the request's headers are too large"
        case let error as HTTPParserError:
            return "the request is not valid HTTP/1.1 (\(error))"
        case let error as HTTP1TypeConversionError:
            return "the request is not valid HTTP/1.1 (\(error))"
        case is ByteToMessageDecoderError:
            return "the request is not valid HTTP/1.1"
        default:
            return nil
        }
    }
}
