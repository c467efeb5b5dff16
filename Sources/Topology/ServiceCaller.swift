import JSON
import Wire

/// Calls to a topology's processes by name: over the wire (`TopologyClient`) or a simulation's links.
public protocol ServiceCaller: Sendable {
    func call(_ service: ServiceName, _ address: OperationName, body: [UInt8], timeout: Duration) async throws
        -> [UInt8]
}

extension ServiceCaller {
    /// The calls to one process, as an `OperationCaller`.
    public func bound(to service: ServiceName) -> any OperationCaller {
        BoundServiceCaller(caller: self, service: service)
    }

    /// Typed form: the operation's input in, its output out.
    public func call<Input, Output>(
        _ service: ServiceName, _ operation: APIOperation<Input, Output>, _ input: Input,
        timeout: Duration = .seconds(10)
    ) async throws -> Output {
        let reply = try await call(service, operation.address, body: WireCoding.encode(input), timeout: timeout)
        return try WireCoding.decode(Output.self, from: reply)
    }
}

private struct BoundServiceCaller: OperationCaller {
    let caller: any ServiceCaller
    let service: ServiceName

    func call(_ address: OperationName, body: [UInt8], timeout: Duration) async throws -> [UInt8] {
        try await caller.call(service, address, body: body, timeout: timeout)
    }
}
