import Template
import Testing
import Topology

/// What the launcher tells each process about the others, and where the deployment puts each state machine.
@Suite struct LauncherBindingsTests {
    let template = try! SAMTemplate.seed()

    @Test func eachProcessGetsTheBindingsTheTemplateImplies() {
        let layout = TopologyLayout.tcp(dataDirectory: "/d", basePort: 7100)
        let launcher = Launcher(binDirectory: "/bin", template: template)
        let simulator = launcher.arguments(for: .apiSimulator, layout: layout)
        #expect(simulator.contains("WorkflowCallbackSimulator=callback-sender@tcp://127.0.0.1:7104"))
        #expect(simulator.contains("workflow_requestorQueue"))
        #expect(simulator.contains("WorkflowExternalAsyncAPISimulator"))
        #expect(
            launcher.arguments(for: .queueBroker, layout: layout).contains(
                "WorkflowResponseLogger=notification-logger@tcp://127.0.0.1:7105"))
        let deployment = Deployment(template: template)
        #expect(deployment.host(ofStateMachine: "WorkflowExternalAsyncAPISimulator", in: layout) == .apiSimulator)
        #expect(deployment.host(ofStateMachine: "WorkflowAsyncAPICallbackPattern", in: layout) == .orchestrator)
        // With the api-simulator left to the user's code, the orchestrator holds every machine.
        var external = layout
        external.external = ["api-simulator"]
        #expect(deployment.host(ofStateMachine: "WorkflowExternalAsyncAPISimulator", in: external) == .orchestrator)
        // …and neither it nor anyone else is told to call the functions the api-simulator ran.
        #expect(
            !launcher.arguments(for: .awsGateway, layout: external).contains(
                "WorkflowRequestorQueueConsumer=api-simulator@tcp://127.0.0.1:7103"))
        #expect(
            launcher.arguments(for: .awsGateway, layout: layout).contains(
                "WorkflowRequestorQueueConsumer=api-simulator@tcp://127.0.0.1:7103"))
    }
}
