import Faults
import Foundation
import Logging
import ServiceLifecycle
import Wire
import ZeroMQ

/// What every process shares: its logger set up from flags, a ZeroMQ context, a Ping answer, and graceful
/// shutdown on SIGTERM/SIGINT through swift-service-lifecycle.
public enum ServiceHost {
    public static func bootstrapLogging(level: String) {
        let parsed = Logger.Level(rawValue: level) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = parsed
            return handler
        }
    }

    public static func ping(service: String, endpoint: String) -> [UInt8] {
        WireCoding.encode(PingOutput(service: service, pid: getpid(), endpoint: endpoint))
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
    let name: String
    let body: @Sendable () async throws -> Void

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
    /// Serves `server` as a service of the group: answers `Ping` for `service`, hands every other request to
    /// `handler` (nil means an unknown operation), and closes the socket on shutdown.
    ///
    /// It also serves the fault-injection controls: link-fault rules for this process's outgoing requests, and,
    /// when `clock` is given, SetClock.
    public static func api(
        _ service: String, server: WireServer, clock: AdjustableWallClock? = nil,
        handler: @escaping @Sendable (WireRequest) async throws -> [UInt8]?
    ) -> LoopService {
        let endpoint = server.endpoint
        Transport.processName = service
        let faults = LinkFaultInjector()
        Transport.install(faults)
        return LoopService("api") {
            await withTaskCancellationHandler {
                await server.run { request in
                    switch request.op {
                    case HealthOperation.ping:
                        return ping(service: service, endpoint: endpoint)
                    case FaultOperation.putFaultRules:
                        faults.put(try request.decode(PutFaultRulesInput.self))
                        return WireCoding.encode(EmptyOutput())
                    case FaultOperation.clearFaultRules:
                        faults.clear()
                        return WireCoding.encode(EmptyOutput())
                    case FaultOperation.getFaultStatistics:
                        return WireCoding.encode(faults.statistics)
                    case FaultOperation.setClock:
                        guard let clock else { throw AWSError.unknownOperation(request.op) }
                        let input = try request.decode(SetClockInput.self)
                        clock.adjust(offset: input.offsetSeconds, rate: input.rate)
                        return WireCoding.encode(EmptyOutput())
                    default:
                        break
                    }
                    if let reply = try await handler(request) { return reply }
                    throw AWSError.unknownOperation(request.op)
                }
            } onCancel: {
                server.close()
            }
        }
    }
}
