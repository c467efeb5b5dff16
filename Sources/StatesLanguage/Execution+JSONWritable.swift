import JSON

// The orchestrator stores an execution's state after every step and an outbox row per task: written here member by
// member in the shape their synthesized `Encodable` gives them (so `Decodable` reads them back, and rows written
// before read the same), instead of through Codable's containers and a `JSONValue` tree, which cost the
// orchestrator a seventh of its CPU under load. `ExecutionStateJSONTests` holds the two shapes equal.

extension ExecutionState: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.object { writer in
            writer.member("status", status.rawValue)
            writer.member("lastEventId", lastEventId)
            writer.member("output", output)
            writer.member("error", error)
            writer.member("cause", cause)
            writer.member("stopDate", stopDate)
            writer.member("serial", serial)
            writer.member("root", root)
            writer.member("redrivePoint", redrivePoint)
            writer.member("redrives", redrives)
        }
    }
}

extension RedrivePoint: JSONWritable {
    func write(to writer: inout JSONWriter) {
        writer.object { writer in
            writer.member("stateName", stateName)
            writer.member("stateInput", stateInput)
            writer.member("variables", variables)
        }
    }
}

extension StatePosition: JSONWritable {
    func write(to writer: inout JSONWriter) {
        writer.object { writer in
            writer.member("stateName", stateName)
            writer.member("stateInput", stateInput)
            writer.member("enteredTime", enteredTime)
            writer.member("enteredEventId", enteredEventId)
            writer.member("retryCounts", retryCounts)
            writer.member("activity", activity)
            writer.member("variables", variables)
        }
    }
}

extension StatePosition.Activity: JSONWritable {
    func write(to writer: inout JSONWriter) {
        writer.object { writer in
            switch self {
            case .task(let task):
                writer.key("task")
                writer.object { writer in writer.member("_0", task) }
            case .backingOff(let timerId):
                writer.key("backingOff")
                writer.object { writer in writer.member("timerId", timerId) }
            case .wait(let timerId, let output, let assigned):
                writer.key("wait")
                writer.object { writer in
                    writer.member("timerId", timerId)
                    writer.member("output", output)
                    writer.member("assigned", assigned)
                }
            case .parallel(let branches):
                writer.key("parallel")
                writer.object { writer in writer.member("branches", branches) }
            case .map(let run):
                writer.key("map")
                writer.object { writer in writer.member("_0", run) }
            }
        }
    }
}

extension Flow: JSONWritable {
    func write(to writer: inout JSONWriter) {
        writer.object { writer in
            switch self {
            case .running(let position):
                writer.key("running")
                writer.object { writer in writer.member("_0", position) }
            case .succeeded(let output):
                writer.key("succeeded")
                writer.object { writer in writer.member("output", output) }
            case .failed(let error, let cause):
                writer.key("failed")
                writer.object { writer in
                    writer.member("error", error)
                    writer.member("cause", cause)
                }
            }
        }
    }
}

extension MapRun: JSONWritable {
    func write(to writer: inout JSONWriter) {
        writer.object { writer in
            writer.member("inputs", inputs)
            writer.member("iterations", iterations)
            writer.member("maxConcurrency", maxConcurrency)
            writer.member("toleratedFailureCount", toleratedFailureCount)
            writer.member("toleratedFailurePercentage", toleratedFailurePercentage)
            writer.member("failures", failures)
            writer.member("mapRunArn", mapRunArn)
        }
    }
}

extension RunningTask: JSONWritable {
    func write(to writer: inout JSONWriter) {
        writer.object { writer in
            writer.member("taskKey", taskKey)
            writer.member("token", token)
            writer.member("submitted", submitted)
            writer.member("timeoutAt", timeoutAt)
            writer.member("heartbeatSeconds", heartbeatSeconds)
            writer.member("heartbeatAt", heartbeatAt)
        }
    }
}

extension TaskInvocation: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.object { writer in
            writer.member("taskKey", taskKey)
            writer.member("stateName", stateName)
            writer.member("resource", resource)
            writer.member("parameters", parameters)
            writer.member("token", token)
        }
    }
}

extension TaskResource: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.object { writer in
            writer.member("arn", arn)
            writer.member("resourceType", resourceType)
            writer.member("resource", resource)
            writer.member("action", action)
            writer.member("pattern", pattern.rawValue)
        }
    }
}

extension HistoryEvent: JSONWritable {
    /// `json`'s text, without building its object first.
    public func write(to writer: inout JSONWriter) {
        writer.object { writer in
            writer.member("timestamp", timestamp)
            writer.member("type", type)
            writer.member("id", id)
            writer.member("previousEventId", previousEventId)
            if let detailsKey, let details {
                writer.key(detailsKey)
                writer.value(.object(details))
            }
        }
    }
}
