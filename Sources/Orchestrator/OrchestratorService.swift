import Foundation
import Logging
import ServiceSupport
import Wire
import ZeroMQ

/// The `orchestrator` process: Step Functions over the wire protocol.
public enum OrchestratorService {
    public struct Options: Sendable {
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

    public static func run(_ options: Options) async throws {
        let logger = Logger(label: "orchestrator")
        let context = Context()
        let faults = LinkFaultInjector(process: "orchestrator")
        let database = try WorkflowEngine.openDatabase(path: options.dataDirectory + "/orchestrator.sqlite")
        let integrations = try await ServiceIntegrations.connect(
            context: context, queueBroker: options.queueBroker, functions: options.functions,
            functionTimeouts: options.functionTimeouts, faults: faults)
        let engine = WorkflowEngine(
            database: database, clock: options.clock, dispatcher: integrations, configuration: options.configuration,
            logger: logger)
        let server = try await WireServer.bind(context: context, endpoint: options.endpoint, logger: logger)
        logger.info("orchestrator serving on \(server.endpoint), data in \(options.dataDirectory)")
        try await ServiceHost.run(
            engine.services(serving: server, as: "orchestrator", clock: options.clock, faults: faults)
                + [LoopService("integrations") { await integrations.learnBrokerOperations() }], logger: logger)
    }
}
