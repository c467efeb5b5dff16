import CallbackSender
import Foundation
import JSON
import Logging
import ServiceSupport
import Synchronization
import Testing
import Wire

/// An orchestrator that answers SendTask* slowly and counts them.
final class SlowOrchestrator: OperationCaller {
    let calls = Mutex<[String]>([])
    let delay: Duration

    init(delay: Duration) { self.delay = delay }

    func call(_ address: OperationName, body: [UInt8], timeout: Duration) async throws -> [UInt8] {
        calls.withLock { $0.append(address.name) }
        try await Task.sleep(for: delay)
        return Array("{}".utf8)
    }
}

@Suite struct CallbackSenderTests {
    func sender(_ orchestrator: SlowOrchestrator) throws -> (CallbackSender, String) {
        let path = NSTemporaryDirectory() + "callback-sender-\(UUID().uuidString).sqlite"
        let sender = CallbackSender(
            database: try CallbackSender.openDatabase(path: path), orchestrator: orchestrator,
            clock: ManualWallClock(), logger: Logger(label: "test"))
        return (sender, path)
    }

    static let invocation = InvokeInput(
        FunctionName: "WorkflowCallbackSimulator",
        Payload: ["taskToken": "token-1", "payload": ["status": "success"]])

    /// A second delivery of the same Invoke while the first still waits on the orchestrator (its caller gave
    /// up and retried) joins the first: SendTaskSuccess goes once, and both get its answer.
    @Test func aRepeatedInvocationInFlightSendsTheCallbackOnce() async throws {
        let orchestrator = SlowOrchestrator(delay: .milliseconds(300))
        let (sender, path) = try sender(orchestrator)
        defer { try? FileManager.default.removeItem(atPath: path) }
        async let first = sender.invoke(Self.invocation, idempotencyKey: "job-1")
        try await Task.sleep(for: .milliseconds(50))
        async let second = sender.invoke(Self.invocation, idempotencyKey: "job-1")
        let answers = try await [first, second]
        #expect(answers[0].FunctionError == nil && answers[1].FunctionError == nil)
        // Later deliveries read the recorded answer.
        _ = try await sender.invoke(Self.invocation, idempotencyKey: "job-1")
        #expect(orchestrator.calls.withLock { $0 } == ["SendTaskSuccess"])
        // Another job is another callback.
        _ = try await sender.invoke(Self.invocation, idempotencyKey: "job-2")
        #expect(orchestrator.calls.withLock { $0.count } == 2)
    }
}
