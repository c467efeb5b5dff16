/// Where a service's unstructured tasks run. Unstructured tasks do not inherit a task executor preference, but they
/// do inherit task-local values: a simulation sets `preferredExecutor` around the services it starts, and every
/// task they spawn through `spawn` runs on the simulation's executor too. In a process it is nil (the global pool).
public enum TaskPlacement {
    @TaskLocal public static var preferredExecutor: (any TaskExecutor)?
}

/// Starts an unstructured task where the current task's services run (see `TaskPlacement`).
@discardableResult
public func spawn<T: Sendable>(_ operation: sending @escaping () async throws -> T) -> Task<T, any Error> {
    Task(executorPreference: TaskPlacement.preferredExecutor, operation: operation)
}

/// Starts an unstructured task that cannot fail where the current task's services run (see `TaskPlacement`).
@discardableResult
public func spawn<T: Sendable>(_ operation: sending @escaping () async -> T) -> Task<T, Never> {
    Task(executorPreference: TaskPlacement.preferredExecutor, operation: operation)
}
