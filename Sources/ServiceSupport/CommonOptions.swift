import ArgumentParser

/// Flags every service process takes.
public struct ProcessOptions: ParsableArguments {
    @Option(help: "Directory for this process's SQLite database and files.") public var dataDir = ".callbacksim"
    @Option(help: "trace, debug, info, notice, warning, error or critical.") public var logLevel = "info"

    public init() {}
}

/// Flags of the processes whose timers matter: a skewed or fast clock for experiments and tests.
public struct ClockOptions: ParsableArguments {
    @Option(help: "Seconds added to this process's clock.") public var clockOffset = 0.0
    @Option(help: "How fast this process's clock runs (60: a minute per second).") public var clockRate = 1.0
    @Option(help: "Real time (epoch seconds) at which a fast clock equals real time; shared by a topology.")
    public var clockEpoch: Double?

    public init() {}

    public var clock: AdjustableWallClock {
        AdjustableWallClock(offset: clockOffset, rate: clockRate, epoch: clockEpoch)
    }
}

/// Repeated `--function NAME=ENDPOINT` flags: which process serves which Lambda function, and
/// `--function-timeout NAME=SECONDS`: how long each may run (the template's Timeout), so a caller waits that long.
public struct FunctionOptions: ParsableArguments {
    @Option(help: "A Lambda function and the endpoint serving it, NAME=ENDPOINT; repeatable.") public var function:
        [String] = []
    @Option(help: "A Lambda function's Timeout in seconds, NAME=SECONDS; repeatable (default 3, as Lambda's).")
    public var functionTimeout: [String] = []

    public init() {}

    public func endpoints() throws -> [String: String] {
        try Self.pairs(function, flag: "--function", form: "NAME=ENDPOINT")
    }

    public func timeouts() throws -> [String: Double] {
        var timeouts: [String: Double] = [:]
        for (name, text) in try Self.pairs(functionTimeout, flag: "--function-timeout", form: "NAME=SECONDS") {
            guard let seconds = Double(text), seconds > 0 else {
                throw ValidationError("--function-timeout takes NAME=SECONDS, got '\(name)=\(text)'")
            }
            timeouts[name] = seconds
        }
        return timeouts
    }

    static func pairs(_ values: [String], flag: String, form: String) throws -> [String: String] {
        var pairs: [String: String] = [:]
        for pair in values {
            guard let separator = pair.firstIndex(of: "="), separator != pair.startIndex else {
                throw ValidationError("\(flag) takes \(form), got '\(pair)'")
            }
            pairs[String(pair[..<separator])] = String(pair[pair.index(after: separator)...])
        }
        return pairs
    }
}

/// The Timeout of the function a process runs, as Lambda enforces it.
public struct FunctionTimeoutOptions: ParsableArguments {
    @Option(help: "Seconds an invocation may run before it ends with Lambda's timeout error (the template's Timeout).")
    public var timeout = LambdaRuntime.defaultTimeout

    public init() {}
}

/// The AWS region and account a process's resources are in when a request does not say (the gateway passes the
/// caller's; internal callers pass none). LocalStack's defaults, which AWS SDK users' test suites assume.
public struct AccountOptions: ParsableArguments {
    @Option(help: "The region resources are in unless a request says otherwise.") public var region = "us-east-1"
    @Option(help: "The account resources are in unless a request says otherwise.") public var account =
        "000000000000"

    public init() {}
}
