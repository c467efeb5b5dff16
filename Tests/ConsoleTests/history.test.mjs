// The console's reading of an execution history and its Choice labels, without a browser (node --test).
import { test } from "node:test";
import assert from "node:assert/strict";
import { analyze, findTaskToken, statesByName } from "../../Sources/Console/Site/history.js";
import { describeRule } from "../../Sources/Console/Site/graph.js";

const TOKEN = "AQAVMSs0TsD5xgkoxHKEtrGCP0XZa3dPmCTC87o6g";
let id = 0;
const event = (type, details = {}, key = null) => {
  id += 1;
  const named = key ? { [key]: details } : {};
  return { id, previousEventId: id - 1, timestamp: 1000 + id / 1000, type, ...named };
};
const entered = (type, name) => event(`${type}StateEntered`, { name, input: "{}" }, "stateEnteredEventDetails");
const exited = (type, name) => event(`${type}StateExited`, { name, output: "{}" }, "stateExitedEventDetails");

const machine = {
  StartAt: "Call",
  States: {
    Call: { Type: "Task", Resource: "arn:aws:states:::sqs:sendMessage.waitForTaskToken", TimeoutSeconds: 300,
            Catch: [{ ErrorEquals: ["States.ALL"], Next: "Handle" }], Next: "Done" },
    Handle: { Type: "Pass", End: true },
    Done: { Type: "Succeed" },
  },
};

function waitingHistory() {
  id = 0;
  return [
    event("ExecutionStarted", { input: "{}" }, "executionStartedEventDetails"),
    entered("Task", "Call"),
    event("TaskScheduled", { resourceType: "sqs", resource: "sendMessage.waitForTaskToken",
                             parameters: JSON.stringify({ MessageBody: { token: TOKEN } }) }, "taskScheduledEventDetails"),
    event("TaskStarted", {}, "taskStartedEventDetails"),
    event("TaskSubmitted", {}, "taskSubmittedEventDetails"),
  ];
}

test("a task scheduled with .waitForTaskToken and not ended is waiting, with its token and timeout", () => {
  const { states, waiting } = analyze(waitingHistory(), machine, { status: "RUNNING" });
  assert.equal(states.get("Call").status, "waiting");
  assert.equal(waiting.length, 1);
  assert.equal(waiting[0].token, TOKEN);
  assert.equal(waiting[0].timeoutSeconds, 300);
  assert.equal(states.get("Done"), undefined);
});

test("a failure followed by the Catch's state is caught, and the handler succeeds", () => {
  const events = waitingHistory();
  events.push(event("TaskFailed", { error: "E", cause: "c" }, "taskFailedEventDetails"), exited("Task", "Call"),
              entered("Pass", "Handle"), exited("Pass", "Handle"), event("ExecutionSucceeded", {}, "executionSucceededEventDetails"));
  const { states, waiting, owner } = analyze(events, machine, { status: "SUCCEEDED" });
  assert.equal(states.get("Call").status, "caught");
  assert.equal(states.get("Call").error, "E");
  assert.equal(states.get("Handle").status, "succeeded");
  assert.deepEqual(waiting, []);
  assert.equal(owner.get(events.at(-1).id), null, "execution events belong to no state");
});

test("a retried task is in progress again, and counts its retries", () => {
  const events = waitingHistory();
  events.push(event("TaskFailed", { error: "E" }, "taskFailedEventDetails"),
              event("TaskScheduled", { resource: "sendMessage.waitForTaskToken", parameters: "{}" }, "taskScheduledEventDetails"));
  const { states } = analyze(events, machine, { status: "RUNNING" });
  assert.equal(states.get("Call").retries, 1);
  assert.equal(states.get("Call").status, "waiting");
});

test("states still running when the execution ends: aborted is cancelled, a failure fails the state it names", () => {
  assert.equal(analyze(waitingHistory(), machine, { status: "ABORTED" }).states.get("Call").status, "cancelled");
  assert.deepEqual(analyze(waitingHistory(), machine, { status: "ABORTED" }).waiting, []);
  const nested = { StartAt: "P", States: { P: { Type: "Parallel", End: true, Branches: [
    { StartAt: "W", States: { W: { Type: "Wait", Seconds: 5, End: true } } },
    { StartAt: "M", States: { M: { Type: "Map", End: true, ItemProcessor: { StartAt: "I", States: { I: { Type: "Pass", End: true } } } } } }] } } };
  id = 0;
  const events = [event("ExecutionStarted"), entered("Parallel", "P"), entered("Wait", "W"), entered("Map", "M")];
  const { states } = analyze(events, nested, { status: "FAILED", cause: "An error occurred while executing the state 'M'" });
  assert.equal(states.get("M").status, "failed");
  assert.equal(states.get("P").status, "failed");
  assert.equal(states.get("W").status, "cancelled");
  assert.equal(states.get("I"), undefined);
  assert.deepEqual([...statesByName(nested).keys()], ["P", "W", "M", "I"]);
});

test("a Map's iterations are counted by the state they name", () => {
  id = 0;
  const events = [entered("Map", "M")];
  for (let index = 0; index < 3; index += 1) {
    events.push(event("MapIterationStarted", { name: "M", index }, "mapIterationStartedEventDetails"));
    events.push(event(index === 2 ? "MapIterationFailed" : "MapIterationSucceeded", { name: "M", index }, "mapIterationSucceededEventDetails"));
  }
  const { states } = analyze(events, { StartAt: "M", States: { M: { Type: "Map", End: true } } }, { status: "RUNNING" });
  assert.deepEqual(states.get("M").iterations, { started: 3, succeeded: 2, failed: 1, aborted: 0 });
});

test("tokens are found at any depth, inside JSON text, and unquoted", () => {
  assert.equal(findTaskToken({ a: [{ b: JSON.stringify({ c: TOKEN }) }] }), TOKEN);
  assert.equal(findTaskToken(`"${TOKEN}"`), TOKEN);
  assert.equal(findTaskToken({ a: "AQ-too-short" }), null);
});

test("Choice rules read as people write them", () => {
  assert.equal(describeRule({ Variable: "$.status", NumericEquals: 200, Next: "X" }), "$.status == 200");
  assert.equal(describeRule({ Variable: "$.a", StringEqualsPath: "$.b", Next: "X" }), "$.a == $.b");
  assert.equal(describeRule({ Not: { Variable: "$.x", IsPresent: true }, Next: "X" }), "not ($.x is present)");
  assert.equal(describeRule({ And: [{ Variable: "$.a", NumericGreaterThan: 1 }, { Variable: "$.b", BooleanEquals: false }], Next: "X" }),
               "($.a > 1) and ($.b == false)");
  assert.equal(describeRule({ Condition: "{% $states.input.n > 3 %}", Next: "X" }), "$states.input.n > 3");
});
