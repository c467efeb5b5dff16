import Storage

extension CompressionDictionary {
    /// The strings stored executions and their history events share, as `ExecutionState` and `HistoryEvent` write
    /// them: keys, event types, the details every event of a kind carries, callbacksim's own ARNs and the
    /// service integrations' boilerplate. No user's data. Rows written with it are read with it: never change it
    /// (a better dictionary gets id 2, and this one stays in `stepFunctionsDictionaries`).
    static let stepFunctions1 = CompressionDictionary(
        id: 1,
        fragments: [
            // Rarer shapes first: the compressor reaches the end of a dictionary at the shortest distances.
            #"States.ExceedToleratedFailureThreshold"#, #"States.QueryEvaluationError"#, #"States.Runtime"#,
            #"States.HeartbeatTimeout"#, #"States.TaskFailed"#, #"States.BranchFailed"#, #"States.ALL"#,
            #"An error occurred while executing the state '"#, #"' (entered at the event id #"#,
            #"The JSONPath '"#, #"' specified for the field '"#, #"' could not be found in the input '"#,
            #""toleratedFailureCount":"#, #""toleratedFailurePercentage":"#, #""maxConcurrency":"#,
            #""failures":"#, #""iterations":"#, #""inputs":"#, #""heartbeatSeconds":"#, #""heartbeatAt":"#,
            #"{"backingOff":{"timerId":""#, #"{"wait":{"timerId":""#, #"{"parallel":{"branches":["#,
            #"{"map":{"_0":{"#, #"{"running":{"_0":"#, #"{"succeeded":{"output":""#, #"{"failed":{"error":""#,
            #","assigned":"#, #","variables":""#, #","redrives":"#, #","stopDate":"#,
            #"","mapRunArn":"arn:aws:states:us-east-1:000000000000:mapRun:"#,
            #""mapRunStartedEventDetails":{"mapRunArn":"arn:aws:states:us-east-1:000000000000:mapRun:"#,
            #""evaluationFailedEventDetails":{"cause":""#, #"","state":""#,
            #""executionRedrivenEventDetails":{"redriveCount":"#, #""executionAbortedEventDetails":{"#,
            #""executionTimedOutEventDetails":{"#, #""taskTimedOutEventDetails":{"resourceType":""#,
            #""heartbeatInSeconds":"#, #""assignedVariables":{"#, #""assignedVariablesDetails":{"truncated":false}"#,
            #","type":"ParallelStateStarted","#, #","type":"ParallelStateSucceeded","#,
            #","type":"ParallelStateFailed","#, #","type":"ParallelStateEntered","#,
            #","type":"ParallelStateExited","#, #","type":"WaitStateEntered","#, #","type":"WaitStateExited","#,
            #","type":"SucceedStateEntered","#, #","type":"SucceedStateExited","#,
            #","type":"FailStateEntered","#, #","type":"ExecutionAborted","#, #","type":"ExecutionTimedOut","#,
            #","type":"ExecutionRedriven","#, #","type":"TaskStateAborted","#, #","type":"TaskTimedOut","#,
            #","type":"EvaluationFailed","#, #","type":"MapRunStarted","#, #","type":"MapRunSucceeded","#,
            #","type":"MapRunFailed","#, #","type":"MapStateStarted","#, #","type":"MapStateSucceeded","#,
            #","type":"MapStateFailed","#, #","type":"MapStateEntered","#, #","type":"MapStateExited","#,
            #""mapStateStartedEventDetails":{"length":"#,
            #","type":"MapIterationStarted","#, #","type":"MapIterationSucceeded","#,
            #","type":"MapIterationFailed","#, #"IterationStartedEventDetails":{"index":"#,
            #"IterationSucceededEventDetails":{"index":"#, #"IterationFailedEventDetails":{"index":"#,
            #","type":"ChoiceStateEntered","#, #","type":"ChoiceStateExited","#,
            #","type":"PassStateEntered","#, #","type":"PassStateExited","#,
            #""executionFailedEventDetails":{"error":""#, #","type":"ExecutionFailed","#,
            #""taskFailedEventDetails":{"resourceType":""#, #","type":"TaskFailed","#,
            #""resourceType":"lambda","resource":"invoke"#, #"{\"FunctionName\":\""#,
            #"\",\"Payload\":"#, #"{\"ExecutedVersion\":\"$LATEST\",\"Payload\":"#,
            #""resourceType":"sns","resource":"publish"#, #"{\"TopicArn\":\"arn:aws:sns:us-east-1:000000000000:"#,
            #"\",\"Message\":"#, #".waitForTaskToken"#, #".sync"#,
            #",\"StatusCode\":200,\"SdkHttpMetadata\":{\"AllHttpHeaders\":{\"Content-Type\":[\"application/json\"]},\"HttpHeaders\":{\"Content-Type\":\"application/json\"},\"HttpStatusCode\":200},\"SdkResponseMetadata\":{\"RequestId\":\""#,
            // The seed's kind of task: SQS SendMessage, waiting for its token.
            #""resourceType":"sqs","resource":"sendMessage"#,
            #"","region":"us-east-1","parameters":"{\"QueueUrl\":\"http://"#,
            #"/000000000000/"#, #"\",\"MessageBody\":{\"taskToken\":\"AQA"#, #"\",\"payload\":"#,
            #"{\"MD5OfMessageBody\":\""#,
            #"\",\"MessageId\":\""#,
            #"\",\"SdkHttpMetadata\":{\"AllHttpHeaders\":{\"Content-Type\":[\"application/x-amz-json-1.0\"]},\"HttpHeaders\":{\"Content-Type\":\"application/x-amz-json-1.0\"},\"HttpStatusCode\":200},\"SdkResponseMetadata\":{\"RequestId\":\""#,
            #"\"}}","outputDetails":{"truncated":false}}}"#,
            // Every execution's state.
            #"{"status":"SUCCEEDED","lastEventId":"#, #"{"status":"FAILED","lastEventId":"#,
            #"","submitted":true,"timeoutAt":"#, #"","submitted":false"#,
            #""activity":{"task":{"_0":{"taskKey":""#, #"","token":"AQA"#,
            #"{"status":"RUNNING","lastEventId":"#, #","serial":"#, #","root":{"stateName":""#,
            #"","stateInput":""#, #"","enteredTime":"#, #","enteredEventId":"#, #","retryCounts":[],"#,
            #"},"redrivePoint":{"stateName":""#,
            // Every execution's history.
            #"arn:aws:states:us-east-1:000000000000:stateMachine:"#,
            #"arn:aws:states:us-east-1:000000000000:execution:"#,
            #""executionSucceededEventDetails":{"output":""#, #","type":"ExecutionSucceeded","#,
            #""taskSucceededEventDetails":{"resourceType":""#, #","type":"TaskSucceeded","#,
            #""taskSubmittedEventDetails":{"resourceType":""#, #","type":"TaskSubmitted","#,
            #""taskStartedEventDetails":{"resourceType":""#, #","type":"TaskStarted","#,
            #""taskScheduledEventDetails":{"resourceType":""#, #","type":"TaskScheduled","#,
            #"","timeoutInSeconds":"#,
            #","type":"TaskStateEntered","#, #","type":"TaskStateExited","#,
            #""executionStartedEventDetails":{"input":""#, #","type":"ExecutionStarted","#,
            #"","inputDetails":{"truncated":false},"roleArn":"arn:aws:iam::000000000000:role/callbacksim-execution-role"}}"#,
            #""stateExitedEventDetails":{"name":""#, #"","output":""#, #"","outputDetails":{"truncated":false}}}"#,
            #""stateEnteredEventDetails":{"input":""#, #"","inputDetails":{"truncated":false},"name":""#,
            #""id":"#, #","previousEventId":"#, #"{"timestamp":17"#,
        ])

    /// Every dictionary rows of the orchestrator may name, for reading.
    static let stepFunctionsDictionaries = [stepFunctions1]
}

extension WorkflowEngine {
    /// The JSON text of a stored state or history event: decompressed, or as an earlier version stored it.
    public static func storedText(_ value: DatabaseValue) throws -> String {
        try StoredText.text(value, dictionaries: CompressionDictionary.stepFunctionsDictionaries)
    }
}
