import JSON
import Testing
import Wire
import ZeroMQ

@testable import Gateway

@Suite struct HealthCheckTests {
    /// A gateway in front of one process that answers (a wire server) and one that does not (nothing listens).
    func gateway(_ context: Context) async throws -> (Gateway, WireServer) {
        let server = try await WireServer.bind(
            context: context, endpoint: "tcp://127.0.0.1:*", logger: .init(label: "t"))
        let routes = Self.pingRouter(endpoint: server.endpoint)
        Task { await server.run { request in try await routes.handle(request) } }
        let directory = try await ServiceDirectory.connect(
            context: context,
            endpoints: .init(
                stepFunctions: ["orchestrator@" + server.endpoint], queueBroker: "queue-broker@tcp://127.0.0.1:1",
                logs: nil, functions: [:]))
        return (Gateway(directory: directory, configuration: .init(), logger: .init(label: "t")), server)
    }

    static func pingRouter(endpoint: String) -> WireRouter {
        var router = WireRouter()
        router.on(Control.ping) { _, _ in PingOutput(service: "orchestrator", pid: 1, endpoint: endpoint) }
        return router
    }

    @Test func healthNamesEachProcessAndReadinessWantsThemAll() async throws {
        let context = Context()
        let (gateway, server) = try await gateway(context)
        defer { server.close() }
        let health = try #require(await gateway.healthCheck(path: "/_callbacksim/health"))
        #expect(health.status == 200)
        let body = try JSONValue.parse(bytes: health.body)
        #expect(body["services"]?["orchestrator"] == "running")
        #expect(body["services"]?["queue-broker"] == "unavailable")
        #expect(body["ready"] == false)
        let ready = try #require(await gateway.healthCheck(path: "/_callbacksim/ready"))
        #expect(ready.status == 503)
        #expect(await gateway.healthCheck(path: "/") == nil)
    }
}
