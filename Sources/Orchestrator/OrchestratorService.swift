import Foundation
import Logging
import ServiceSupport
import Wire
import ZeroMQ

/// The `orchestrator` process: Step Functions over the wire protocol.
public enum OrchestratorService: ServiceDefinition {
    public static let processName = "orchestrator"

    public struct Options: ServiceOptions {
        public var dataDirectory: String
        public var endpoint: String
        public var queueBroker: String?
        /// Lambda function name → endpoint of the process that serves it.
        public var functions: [String: String]
        /// Lambda function name → its Timeout in seconds (the template's).
        public var functionTimeouts: [String: Double] = [:]
        public var clock: any WallClock
        public var configuration: EngineConfiguration

        public init(
            dataDirectory: String, endpoint: String, queueBroker: String?, functions: [String: String],
            clock: any WallClock = AdjustableWallClock(), configuration: EngineConfiguration = EngineConfiguration()
        ) {
            self.dataDirectory = dataDirectory
            self.endpoint = endpoint
            self.queueBroker = queueBroker
            self.functions = functions
            self.clock = clock
            self.configuration = configuration
        }
    }

    /// The engine, its integrations and its loops, in `environment`.
    public static func parts(_ options: Options, in environment: ProcessEnvironment) async throws -> ServiceParts {
        let integrations = try await ServiceIntegrations.connect(
            queueBroker: options.queueBroker, functions: options.functions, functionTimeouts: options.functionTimeouts,
            in: environment, clock: options.clock)
        let engine = WorkflowEngine(
            storage: try environment.database("orchestrator.sqlite", EngineSchema.migrator), clock: options.clock,
            dispatcher: integrations, configuration: options.configuration, logger: environment.logger,
            random: environment.random)
        return ServiceParts(
            router: engine.router,
            loops: engine.loops + [LoopService("integrations") { await integrations.learnBrokerOperations() }])
    }
}
