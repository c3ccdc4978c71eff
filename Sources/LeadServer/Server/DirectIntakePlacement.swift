import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes

/// Puts a `DirectIntakeHandler` right behind Hummingbird's connection state handler, which joins the pipeline only
/// after the additional handlers: so this waits for the connection's first request, then steps aside.
final class DirectIntakePlacement: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart

    private let intake: IntakeController
    private let logger: Logger

    init(intake: IntakeController, logger: Logger) {
        self.intake = intake
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let pipeline = context.pipeline.syncOperations
        if let state = try? pipeline.handler(type: HTTPConnectionStateHandler.self) {
            try? pipeline.addHandler(DirectIntakeHandler(intake: self.intake, logger: self.logger), position: .after(state))
        }
        context.fireChannelRead(data)
        pipeline.removeHandler(context: context, promise: nil)
    }
}
