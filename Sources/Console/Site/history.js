// What an execution's event history says about each state: the console's reading of GetExecutionHistory, as the
// AWS console's graph inspector reads it. Pure functions over the events and the definition.

/** Every state of a definition by name, nested ones (Parallel branches, Map iterations) included. */
export function statesByName(definition) {
  const found = new Map();
  const walk = (scope) => {
    for (const [name, state] of Object.entries(scope?.States || {})) {
      found.set(name, state);
      for (const branch of state.Branches || []) walk(branch);
      const processor = state.ItemProcessor || state.Iterator;
      if (processor) walk(processor);
    }
  };
  walk(definition);
  return found;
}

/** An event's details (the member named `…EventDetails`), or null when it has none. */
export function eventDetails(event) {
  const key = Object.keys(event).find((name) => name.endsWith("EventDetails"));
  return key ? event[key] : null;
}

const FAILURES = /^(Task|LambdaFunction|Activity)(Failed|TimedOut|StartFailed|SubmitFailed|ScheduleFailed)$|^(Parallel|Map)StateFailed$/;
const TASK_ENDS = new Set(["TaskSucceeded", "TaskFailed", "TaskTimedOut", "TaskStartFailed", "TaskSubmitFailed"]);
const TOKEN = /^AQ[A-Za-z0-9_-]{30,}={0,2}$/;

/** The task token in a task's parameters: a string shaped like one, at any depth (also inside JSON text). */
export function findTaskToken(value, depth = 0) {
  if (depth > 8 || value === null || value === undefined) return null;
  if (typeof value === "string") {
    const trimmed = value.replace(/^"+|"+$/g, "");
    if (TOKEN.test(trimmed)) return trimmed;
    if (/^\s*[[{]/.test(value)) {
      try {
        return findTaskToken(JSON.parse(value), depth + 1);
      } catch {
        return null;
      }
    }
    return null;
  }
  if (typeof value === "object") {
    for (const child of Object.values(value)) {
      const token = findTaskToken(child, depth + 1);
      if (token) return token;
    }
  }
  return null;
}

/**
 * Reads a history: per state its status (running, succeeded, failed, caught, cancelled), its input and output
 * and its events; and the tasks still waiting for a callback with their tokens.
 */
export function analyze(events, definition, execution) {
  const byId = new Map(events.map((event) => [event.id, event]));
  const definitions = statesByName(definition);
  const owner = new Map();
  const states = new Map();
  const stateOf = (name) => {
    if (!states.has(name)) states.set(name, { name, status: "notReached", events: [], entries: 0, failed: false });
    return states.get(name);
  };
  const start = events.length ? events[0].timestamp : 0;

  for (const event of events) {
    const detail = eventDetails(event) || {};
    const previous = byId.get(event.previousEventId);
    let name = null;
    // State events and a Map's iteration events name their state; the rest follow the event before them.
    if (event.type.endsWith("StateEntered") || event.type.endsWith("StateExited") || event.type.startsWith("MapIteration")) name = detail.name;
    else if (previous && !previous.type.endsWith("StateExited") && !event.type.startsWith("Execution")) name = owner.get(previous.id) ?? null;
    owner.set(event.id, name);
    if (name) stateOf(name).events.push(event.id);

    if (event.type.endsWith("StateEntered")) {
      // A state entered after another failed means the failure was caught.
      for (const state of states.values()) if (state.status === "running" && state.failed && state.name !== name) state.status = "caught";
      const state = stateOf(name);
      state.status = event.type === "FailStateEntered" ? "failed" : "running";
      state.failed = event.type === "FailStateEntered";
      state.entries += 1;
      state.input = detail.input;
      state.enteredAt = event.timestamp;
    } else if (event.type.endsWith("StateExited")) {
      const state = stateOf(name);
      if (state.status !== "failed") state.status = state.failed ? "caught" : "succeeded";
      state.output = detail.output;
      state.exitedAt = event.timestamp;
    } else if (name && event.type.startsWith("MapIteration")) {
      const state = stateOf(name);
      const outcome = event.type.slice("MapIteration".length).toLowerCase(); // started, succeeded, failed, aborted
      state.iterations = state.iterations || { started: 0, succeeded: 0, failed: 0, aborted: 0 };
      state.iterations[outcome] = (state.iterations[outcome] || 0) + 1;
    } else if (name && FAILURES.test(event.type)) {
      const state = stateOf(name);
      state.failed = true;
      state.error = detail.error;
      state.cause = detail.cause;
    } else if (name && event.type === "TaskScheduled") {
      const state = stateOf(name);
      if (state.failed) state.retries = (state.retries || 0) + 1; // a retry after a failure
      state.failed = false;
    }
  }

  // States still running when the execution ended: an abort cancels them; a failure fails the state it names,
  // the states that failed, and the Parallel and Map states around them; the rest were cancelled.
  const executionStatus = execution?.status;
  const ended = executionStatus && executionStatus !== "RUNNING";
  const named = /state '([^']+)'/.exec(execution?.cause || "")?.[1];
  for (const state of states.values()) {
    if (state.status !== "running" || !ended) continue;
    const type = definitions.get(state.name)?.Type;
    if (executionStatus === "SUCCEEDED") state.status = state.failed ? "caught" : "succeeded";
    else if (executionStatus === "ABORTED") state.status = "cancelled";
    else if (executionStatus === "TIMED_OUT") state.status = type === "Parallel" || type === "Map" ? "cancelled" : "failed";
    else if (state.failed || state.name === named || type === "Parallel" || type === "Map") state.status = "failed";
    else state.status = "cancelled";
  }

  // Tasks waiting on a callback: scheduled with .waitForTaskToken and not ended.
  const closed = new Set();
  for (const event of events) {
    if (!TASK_ENDS.has(event.type)) continue;
    let cursor = byId.get(event.previousEventId);
    while (cursor && cursor.type !== "TaskScheduled") cursor = byId.get(cursor.previousEventId);
    if (cursor) closed.add(cursor.id);
  }
  const waiting = [];
  if (!ended) {
    for (const event of events) {
      if (event.type !== "TaskScheduled" || closed.has(event.id)) continue;
      const detail = eventDetails(event) || {};
      if (!String(detail.resource || "").endsWith(".waitForTaskToken")) continue;
      const name = owner.get(event.id);
      const definitionOfState = definitions.get(name) || {};
      let parameters = detail.parameters;
      try {
        parameters = JSON.parse(parameters);
      } catch {
        /* shown as sent */
      }
      const state = stateOf(name);
      if (state.status === "running") state.status = "waiting";
      waiting.push({
        eventId: event.id,
        stateName: name,
        resource: `${detail.resourceType}:${detail.resource}`,
        token: findTaskToken(parameters),
        parameters,
        scheduledAt: event.timestamp,
        timeoutSeconds: detail.timeoutInSeconds ?? definitionOfState.TimeoutSeconds ?? null,
        heartbeatSeconds: detail.heartbeatInSeconds ?? definitionOfState.HeartbeatSeconds ?? null,
      });
    }
  }
  return { states, waiting, start, owner };
}
