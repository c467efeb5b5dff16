import Foundation
import Logging
import ServiceLifecycle
import Storage
import Wire
import ZeroMQ

/// What every process shares: its logger set up from flags, a ZeroMQ context, a Ping answer, and graceful
/// shutdown on SIGTERM/SIGINT through swift-service-lifecycle.
public enum ServiceHost {
    /// How this binary was compiled: SwiftPM defines DEBUG in debug builds.
    #if DEBUG
        public static let buildConfiguration = "debug"
    #else
        public static let buildConfiguration = "release"
    #endif
    /// Logs go to standard output, where container engines and `up`'s log files collect them.
    public static func bootstrapLogging(level: String) {
        let parsed = Logger.Level(rawValue: level) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardOutput(label: label)
            handler.logLevel = parsed
            return handler
        }
    }

    /// Runs `services` until a signal asks them to stop.
    public static func run(_ services: [any Service], logger: Logger) async throws {
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            ))
        try await group.run()
    }
}

/// A loop run as a service: it is cancelled when the group shuts down.
public struct LoopService: Service {
    public let name: String
    public let body: @Sendable () async throws -> Void

    public init(_ name: String, _ body: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.body = body
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await body()
        }
    }
}

extension ServiceHost {
    /// Runs a process: `parts` served on a socket bound to `endpoint`, its loops beside, until a signal asks it to
    /// stop.
    public static func serve(
        _ parts: ServiceParts, endpoint: String, context: Context, clock: any WallClock,
        environment: ProcessEnvironment, dataDirectory: String
    ) async throws {
        let server = try await WireServer.bind(context: context, endpoint: endpoint, logger: environment.logger)
        environment.logger.info("\(environment.process) serving on \(server.endpoint), data in \(dataDirectory)")
        try await run(
            parts.loops
                + [
                    api(
                        environment.process, server: server, clock: clock, faults: environment.faults,
                        disk: environment.disk, router: parts.router)
                ], logger: environment.logger)
    }

    /// Serves `server` as a service of the group: the process's own operations from `router`, plus the control
    /// operations every process answers (Ping with the process's time, `faults`' rules, which the process's
    /// clients apply to the requests it sends, and SetClock, an experiment's clock fault). Closes the socket on
    /// shutdown.
    public static func api(
        _ service: String, server: WireServer, clock: any WallClock, faults: LinkFaultInjector,
        disk: CommitDelay? = nil, router: WireRouter
    ) -> LoopService {
        let routes = withControlOperations(
            router, service: service, endpoint: server.endpoint, clock: clock, faults: faults, disk: disk)
        let serving = routes
        return LoopService("api") {
            await withTaskCancellationHandler {
                await server.run { request in try await serving.handle(request) }
            } onCancel: {
                server.close()
            }
        }
    }

    /// `router` plus the control operations every process answers: Ping with the process's time, ListOperations,
    /// `faults`' rules (which the process's clients apply to the requests it sends), SetClock, and, for a process
    /// with databases, SetCommitDelay (a slow disk).
    public static func withControlOperations(
        _ router: WireRouter, service: String, endpoint: String, clock: any WallClock, faults: LinkFaultInjector,
        disk: CommitDelay? = nil
    ) -> WireRouter {
        var routes = router
        routes.on(Control.ping) { _, _ in
            PingOutput(
                service: service, pid: getpid(), endpoint: endpoint, clock: clock.now(),
                build: ServiceHost.buildConfiguration)
        }
        let served = router.operations.map(\.description).sorted()
        routes.on(Control.listOperations) { _, _ in ListOperationsOutput(operations: served) }
        routes.on(Control.putFaultRules) { input, _ in
            faults.put(input)
            return EmptyOutput()
        }
        routes.on(Control.clearFaultRules) { _, _ in
            faults.clear()
            return EmptyOutput()
        }
        routes.on(Control.getFaultStatistics) { _, _ in faults.statistics }
        routes.on(Control.setClock) { input, _ in
            guard let adjustable = clock as? AdjustableWallClock else {
                throw AWSError.validation("The clock of \(service) cannot be adjusted (a test's own clock).")
            }
            if let rate = input.rate, !(rate > 0) {
                throw AWSError.validation("A clock's rate must be positive, got \(rate).")
            }
            adjustable.adjust(offset: input.offsetSeconds, rate: input.rate)
            return EmptyOutput()
        }
        if let disk {
            routes.on(Control.setCommitDelay) { input, _ in
                guard input.seconds >= 0, input.seconds <= 60 else {
                    throw AWSError.validation("A commit delay is 0 to 60 seconds, got \(input.seconds).")
                }
                disk.seconds = input.seconds
                return EmptyOutput()
            }
        }
        return routes
    }
}
