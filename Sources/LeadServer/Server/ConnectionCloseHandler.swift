import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// Closes a connection after the response to a request that did not ask to keep it open: HTTP/1.0 without
/// keep-alive, or `Connection: close` in any letter case.
///
/// The server's own check sees only an exact lower-case `close`, and the HTTP version is gone once requests become
/// version-independent types; old PHP senders and tools that read until the connection closes would otherwise wait
/// for the idle timeout. This handler joins the pipeline after the HTTP codec and places a watcher in front of it,
/// where each request's version and keep-alive are still known.
final class ConnectionCloseHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    func handlerAdded(context: ChannelHandlerContext) {
        let pipeline = context.pipeline.syncOperations
        guard let codec = try? pipeline.handler(type: HTTP1ToHTTPServerCodec.self) else { return }
        try? pipeline.addHandler(KeepAliveWatcher(), position: .before(codec))
    }
}

/// Sees HTTP/1 parts: remembers, per request in order, whether the connection may stay open, and closes it once
/// the response to a request that may not is written.
private final class KeepAliveWatcher: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// Keep-alive of each request whose response has not been written yet, oldest first (pipelining).
    private var keepAlive: [Bool] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = self.unwrapInboundIn(data) {
            self.keepAlive.append(head.isKeepAlive)
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch self.unwrapOutboundIn(data) {
        case .head(var head) where self.keepAlive.first == false:
            head.headers.replaceOrAdd(name: "connection", value: "close")
            context.write(self.wrapOutboundOut(.head(head)), promise: promise)
        case .end where !self.keepAlive.isEmpty:
            let keep = self.keepAlive.removeFirst()
            guard !keep else {
                context.write(data, promise: promise)
                return
            }
            let written = context.eventLoop.makePromise(of: Void.self)
            written.futureResult.cascade(to: promise)
            let boundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
            written.futureResult.whenComplete { _ in boundContext.value.close(promise: nil) }
            context.writeAndFlush(data, promise: written)
        default:
            context.write(data, promise: promise)
        }
    }
}
