import NIOCore
import NIOPosix

/// A task executor that runs its jobs on one event loop.
///
/// The intake writer runs on one: on PostgreSQL the event loop of the database connections (`IntakeEventLoop`), on
/// SQLite the writer's own thread (`SQLiteIntakeWriter.thread`), so that the steps of a batch — sending it, reading
/// the answer, waking the requests — follow one another on an idle thread, instead of each step queueing behind the
/// HTTP work on the server's event loops.
final class EventLoopExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        self.eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}

/// The event loop of PostgreSQL's connections and of the intake writer: one thread for the whole process, like
/// NIO's own singletons.
enum IntakeEventLoop {
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    static let executor = EventLoopExecutor(group.next())
}
