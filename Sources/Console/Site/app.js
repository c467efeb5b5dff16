// The console's pages, routed by the URL's hash: #/state-machines, #/state-machine/ARN, #/executions/ARN,
// #/execution/ARN, #/queues, #/logs, #/experiments, #/experiment/PATH.

import { sfn, sqs, logs, sns, peekMessages, getJSON, allPages, credentials, setCredentials } from "./aws.js";
import { h, append, replace, badge, statusInfo, formatDate, formatDuration, jsonBlock, nameOfArn, errorBox, table } from "./ui.js";
import { drawDefinition } from "./graph.js";
import { analyze, eventDetails } from "./history.js";

const main = document.getElementById("main");
let page = null; // the current page's cleanup (timers)

const encode = encodeURIComponent;
const show = (...children) => append(main, children);
const link = (hash, ...children) => h("a", { href: hash }, ...children);

/**
 * Runs `every` now and each `interval` ms until the page changes; errors show on the page, polling goes on.
 * Returns the page's cleanup, whose `now()` runs `every` at once (after a click that changes what is shown).
 */
function poll(interval, every, errorSlot) {
  let stopped = false;
  let timer = null;
  let running = false;
  let again = false; // asked for while a run was in flight: one more run after it, never two at once
  const tick = async () => {
    clearTimeout(timer);
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await every();
      if (errorSlot) replace(errorSlot);
    } catch (error) {
      if (errorSlot) replace(errorSlot, errorBox(error));
      else console.warn(error);
    } finally {
      running = false;
    }
    if (again) {
      again = false;
      tick();
    } else if (!stopped && interval) {
      timer = setTimeout(tick, interval);
    }
  };
  tick();
  const stop = () => {
    stopped = true;
    clearTimeout(timer);
  };
  stop.now = tick;
  return stop;
}

function pageHeader(title, ...extra) {
  document.title = `${title} · callbacksim console`;
  return h("div", { class: "page-header" }, h("h1", {}, title), ...extra);
}

// MARK: State machines

async function stateMachinesPage() {
  const errors = h("div");
  const body = h("div", {}, h("p", { class: "muted" }, "Loading…"));
  show(pageHeader("State machines"), errors, body);
  return poll(
    3000,
    async () => {
      const machines = await allPages((request) => sfn("ListStateMachines", request), {}, (reply) => reply.stateMachines || []);
      const counts = await Promise.all(
        machines.map((machine) =>
          sfn("ListExecutions", { stateMachineArn: machine.stateMachineArn, maxResults: 1000 }).then((reply) => ({
            executions: reply.executions || [],
            more: Boolean(reply.nextToken),
          }))
        )
      );
      const rows = machines.map((machine, index) => {
        const byStatus = {};
        for (const execution of counts[index].executions) byStatus[execution.status] = (byStatus[execution.status] || 0) + 1;
        const summary = Object.entries(byStatus)
          .sort()
          .map(([status, count]) => badge(status, `${statusInfo(status).label} ${count}${counts[index].more ? "+" : ""}`));
        return h(
          "tr",
          { dataset: { machine: machine.name } },
          h("td", {}, link(`#/state-machine/${encode(machine.stateMachineArn)}`, machine.name)),
          h("td", {}, machine.type),
          h("td", {}, formatDate(machine.creationDate)),
          h("td", { class: "counts" }, summary.length ? summary : h("span", { class: "muted" }, "none"), " ", link(`#/executions/${encode(machine.stateMachineArn)}`, "all executions →"))
        );
      });
      replace(body, machines.length ? table(["Name", "Type", "Created", "Executions by status"], rows, { id: "machines" }) : h("p", {}, "No state machines."));
    },
    errors
  );
}

// MARK: One state machine: its graph and the Start execution form

async function stateMachinePage(arn) {
  const machine = await sfn("DescribeStateMachine", { stateMachineArn: arn });
  const definition = JSON.parse(machine.definition);
  const input = h("textarea", { id: "execution-input", rows: 8, spellcheck: "false", "aria-label": "Execution input (JSON)" }, '{\n  "Comment": "Insert your JSON here"\n}');
  const name = h("input", { id: "execution-name", type: "text", placeholder: "optional: a name, else a UUID", "aria-label": "Execution name", maxlength: 80 });
  const inputError = h("div", { class: "field-error", role: "status", id: "input-error" });
  const submit = h("button", { id: "start-execution", type: "submit", class: "primary" }, "▶ Start execution");
  const outcome = h("div");
  const check = () => {
    try {
      JSON.parse(input.value);
      replace(inputError);
      submit.disabled = false;
      return true;
    } catch (error) {
      replace(inputError, `✗ The input is not valid JSON: ${error.message}`);
      submit.disabled = true;
      return false;
    }
  };
  input.addEventListener("input", check);
  const form = h(
    "form",
    {
      class: "card start-form",
      onsubmit: async (event) => {
        event.preventDefault();
        if (!check()) return;
        submit.disabled = true;
        try {
          const request = { stateMachineArn: arn, input: input.value };
          if (name.value.trim()) request.name = name.value.trim();
          const started = await sfn("StartExecution", request);
          location.hash = `#/execution/${encode(started.executionArn)}`;
        } catch (error) {
          replace(outcome, errorBox(error));
          submit.disabled = false;
        }
      },
    },
    h("h2", {}, "Start execution"),
    h("label", { for: "execution-name" }, "Name"),
    name,
    h("label", { for: "execution-input" }, "Input (JSON)"),
    input,
    inputError,
    h("div", { class: "actions" }, submit),
    outcome
  );
  show(
    pageHeader(machine.name, h("span", { class: "muted" }, `${machine.type} · created ${formatDate(machine.creationDate)}`)),
    h("p", {}, link(`#/executions/${encode(arn)}`, "Executions of this state machine →")),
    h(
      "div",
      { class: "split" },
      h("section", { class: "card graph-card" }, h("h2", {}, "Graph"), h("div", { class: "graph", id: "graph" }, drawDefinition(definition))),
      form
    ),
    h("details", { class: "card" }, h("summary", {}, "Definition"), jsonBlock(machine.definition))
  );
  check();
}

// MARK: Executions of a machine

async function executionsPage(arn, query) {
  const status = query.get("status") || "";
  const filter = h(
    "select",
    {
      id: "status-filter",
      "aria-label": "Filter by status",
      onchange: (event) => {
        location.hash = `#/executions/${encode(arn)}${event.target.value ? `?status=${event.target.value}` : ""}`;
      },
    },
    ["", "RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"].map((value) =>
      h("option", { value, selected: value === status }, value ? statusInfo(value).label : "All statuses")
    )
  );
  const tokens = [null]; // the page tokens seen, so Previous can go back
  let index = 0;
  const errors = h("div");
  const body = h("div");
  const pager = h("div", { class: "pager" });
  show(
    pageHeader(`Executions: ${nameOfArn(arn)}`, link(`#/state-machine/${encode(arn)}`, "← state machine")),
    h("div", { class: "toolbar" }, h("label", {}, "Status ", filter), h("span", { class: "muted" }, "Newest first · refreshes every 2 s")),
    errors,
    body,
    pager
  );
  const polling = poll(
    2000,
    async () => {
      const request = { stateMachineArn: arn, maxResults: 25 };
      if (status) request.statusFilter = status;
      if (tokens[index]) request.nextToken = tokens[index];
      const reply = await sfn("ListExecutions", request);
      const executions = reply.executions || [];
      tokens[index + 1] = reply.nextToken || null;
      const rows = executions.map((execution) =>
        h(
          "tr",
          { dataset: { execution: execution.name } },
          h("td", {}, link(`#/execution/${encode(execution.executionArn)}`, execution.name)),
          h("td", {}, badge(execution.status)),
          h("td", {}, formatDate(execution.startDate)),
          h("td", {}, formatDate(execution.stopDate)),
          h("td", {}, execution.stopDate ? formatDuration(execution.stopDate - execution.startDate) : "")
        )
      );
      replace(body, rows.length ? table(["Name", "Status", "Started", "Ended", "Duration"], rows, { id: "executions" }) : h("p", {}, "No executions."));
      replace(
        pager,
        h("button", { id: "newer", disabled: index === 0, onclick: () => { index -= 1; polling.now(); } }, "← Newer"),
        h("span", {}, ` page ${index + 1} `),
        h("button", { id: "older", disabled: !tokens[index + 1], onclick: () => { index += 1; polling.now(); } }, "Older →")
      );
    },
    errors
  );
  return polling;
}

// MARK: One execution: the graph coloured by what happened, the waiting callbacks, the events

async function executionPage(arn) {
  const errors = h("div");
  const summary = h("div", { class: "card summary", id: "execution-summary" });
  const graphSlot = h("div", { class: "graph", id: "graph" });
  const detail = h("aside", { class: "card state-detail", id: "state-detail" }, h("p", { class: "muted" }, "Click a state to see its input, output and events."));
  const callbacks = h("div", { id: "callbacks" });
  const eventsSlot = h("div", { id: "events" });
  show(
    pageHeader(`Execution: ${nameOfArn(arn)}`),
    errors,
    summary,
    callbacks,
    h("div", { class: "split" }, h("section", { class: "card graph-card" }, h("h2", {}, "Graph"), graphSlot), detail),
    h("section", { class: "card" }, h("h2", {}, "Event history"), eventsSlot)
  );

  let definition = null;
  let selected = null;
  let view = { events: [], analysis: null, execution: null };
  let drawn = { graph: "", events: -1, callbacks: "" };

  const showState = (name) => {
    selected = name;
    const state = view.analysis?.states.get(name);
    const stateEvents = (state?.events || []).map((id) => view.events.find((event) => event.id === id)).filter(Boolean);
    replace(
      detail,
      h("h2", {}, name),
      state ? badge(state.status) : badge("notReached"),
      state?.error ? h("p", {}, h("strong", {}, "Error: "), state.error, state.cause ? h("span", {}, " — ", state.cause) : null) : null,
      state?.retries ? h("p", {}, `Retried ${state.retries} time${state.retries > 1 ? "s" : ""}`) : null,
      state?.iterations
        ? h("p", { class: "iterations" }, `Iterations: ${state.iterations.started} started, ${state.iterations.succeeded} succeeded, ${state.iterations.failed} failed, ${state.iterations.aborted} aborted`)
        : null,
      h("h3", {}, "Input"),
      state?.input !== undefined ? jsonBlock(state.input) : h("p", { class: "muted" }, "—"),
      h("h3", {}, "Output"),
      state?.output !== undefined ? jsonBlock(state.output) : h("p", { class: "muted" }, "—"),
      h("h3", {}, "Events"),
      stateEvents.length ? h("ul", { class: "plain" }, stateEvents.map((event) => h("li", {}, `${event.id} · ${event.type}`))) : h("p", { class: "muted" }, "—")
    );
    for (const node of graphSlot.querySelectorAll(".state-node")) node.classList.toggle("selected", node.dataset.state === name);
  };

  const renderSummary = (execution) => {
    const duration = (execution.stopDate || Date.now() / 1000) - execution.startDate;
    replace(
      summary,
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, "Status"),
        h("dd", { id: "execution-status" }, badge(execution.status)),
        h("dt", {}, "State machine"),
        h("dd", {}, link(`#/state-machine/${encode(execution.stateMachineArn)}`, nameOfArn(execution.stateMachineArn))),
        h("dt", {}, "Started"),
        h("dd", {}, formatDate(execution.startDate)),
        h("dt", {}, execution.stopDate ? "Ended" : "Running for"),
        h("dd", {}, execution.stopDate ? `${formatDate(execution.stopDate)} (${formatDuration(duration)})` : formatDuration(duration)),
        execution.error ? [h("dt", {}, "Error"), h("dd", {}, execution.error, execution.cause ? ` — ${execution.cause}` : "")] : null
      ),
      execution.status === "RUNNING"
        ? h(
            "div",
            { class: "actions" },
            h(
              "button",
              {
                id: "stop-execution",
                class: "danger",
                onclick: async () => {
                  if (!confirm("Stop this execution?")) return;
                  try {
                    await sfn("StopExecution", { executionArn: arn, error: "Console.Stopped", cause: "Stopped from the callbacksim console" });
                    refresh();
                  } catch (error) {
                    replace(errors, errorBox(error));
                  }
                },
              },
              "■ Stop execution"
            )
          )
        : null,
      h(
        "details",
        {},
        h("summary", {}, "Input and output"),
        h("h3", {}, "Input"),
        jsonBlock(execution.input ?? ""),
        h("h3", {}, "Output"),
        execution.output !== undefined ? jsonBlock(execution.output) : h("p", { class: "muted" }, "—")
      )
    );
  };

  const callbackCard = (task) => {
    const output = h("textarea", { rows: 4, class: "callback-output", spellcheck: "false", "aria-label": "Task output (JSON)" }, '{\n  "status": 200\n}');
    const errorName = h("input", { type: "text", class: "callback-error", value: "Console.Failure", "aria-label": "Error name" });
    const cause = h("input", { type: "text", class: "callback-cause", placeholder: "cause", "aria-label": "Error cause" });
    const result = h("div", { class: "callback-result", role: "status" });
    const clock = h("span", { class: "time-left" });
    const send = async (operation, request) => {
      try {
        await sfn(operation, { taskToken: task.token, ...request });
        replace(result, badge("succeeded", `${operation} accepted`));
        refresh();
      } catch (error) {
        replace(result, errorBox(error));
      }
    };
    const updateClock = () => {
      const elapsed = Date.now() / 1000 - task.scheduledAt;
      const parts = [`waiting ${formatDuration(elapsed)}`];
      if (task.timeoutSeconds) parts.push(`timeout ${task.timeoutSeconds} s, ${formatDuration(Math.max(0, task.timeoutSeconds - elapsed))} left`);
      if (task.heartbeatSeconds) parts.push(`heartbeat every ${task.heartbeatSeconds} s`);
      clock.textContent = parts.join(" · ");
    };
    updateClock();
    const card = h(
      "section",
      { class: "card callback", dataset: { token: task.token || "", state: task.stateName } },
      h("h2", {}, "☎ Waiting for a callback: ", task.stateName),
      h("p", {}, h("span", { class: "muted" }, task.resource), " · ", clock),
      h("label", {}, "Task token"),
      task.token ? h("code", { class: "token", id: `token-${task.eventId}` }, task.token) : h("p", {}, "No token found in the task's parameters."),
      h(
        "div",
        { class: "callback-forms" },
        h(
          "div",
          {},
          h("label", {}, "Output (JSON)"),
          output,
          h(
            "button",
            {
              class: "primary send-success",
              disabled: !task.token,
              onclick: () => {
                try {
                  JSON.parse(output.value);
                } catch (error) {
                  replace(result, errorBox({ code: "InvalidOutput", message: `the output is not valid JSON: ${error.message}` }));
                  return;
                }
                send("SendTaskSuccess", { output: output.value });
              },
            },
            "✓ Send task success"
          )
        ),
        h(
          "div",
          {},
          h("label", {}, "Error"),
          errorName,
          h("label", {}, "Cause"),
          cause,
          h("button", { class: "danger send-failure", disabled: !task.token, onclick: () => send("SendTaskFailure", { error: errorName.value, cause: cause.value }) }, "✗ Send task failure"),
          h("button", { class: "send-heartbeat", disabled: !task.token, onclick: () => send("SendTaskHeartbeat", {}) }, "♥ Send heartbeat")
        )
      ),
      result
    );
    card.updateClock = updateClock;
    return card;
  };

  const render = () => {
    const { execution, events, analysis } = view;
    renderSummary(execution);
    const graphKey = JSON.stringify([...analysis.states.values()].map((state) => [state.name, state.status]));
    if (graphKey !== drawn.graph) {
      drawn.graph = graphKey;
      replace(graphSlot, drawDefinition(definition, analysis.states, showState));
      if (selected) showState(selected);
    } else if (selected) {
      showState(selected);
    }
    const waitingKey = analysis.waiting.map((task) => task.eventId).join(",");
    if (waitingKey !== drawn.callbacks) {
      drawn.callbacks = waitingKey;
      replace(callbacks, analysis.waiting.map(callbackCard));
    } else {
      for (const card of callbacks.children) card.updateClock?.();
    }
    if (events.length !== drawn.events) {
      drawn.events = events.length;
      const start = analysis.start;
      replace(
        eventsSlot,
        table(
          ["ID", "Type", "Step", "Elapsed", "Details"],
          events.map((event) => {
            const details = eventDetails(event);
            const step = analysis.owner.get(event.id);
            const failed = /Failed|TimedOut|Aborted/.test(event.type);
            return h(
              "tr",
              { dataset: { eventType: event.type }, class: failed ? "row-failed" : "" },
              h("td", {}, event.id),
              h("td", {}, failed ? "✗ " : "", event.type),
              h("td", {}, step ? h("button", { class: "link", type: "button", onclick: () => showState(step) }, step) : ""),
              h("td", {}, formatDuration(event.timestamp - start)),
              h("td", {}, details ? h("details", {}, h("summary", {}, "details"), jsonBlock(detailsForPeople(details))) : "")
            );
          }),
          { id: "event-table" }
        )
      );
    }
  };

  const refresh = async () => {
    const execution = await sfn("DescribeExecution", { executionArn: arn });
    if (!definition) {
      const machine = await sfn("DescribeStateMachineForExecution", { executionArn: arn }).catch(() =>
        sfn("DescribeStateMachine", { stateMachineArn: execution.stateMachineArn })
      );
      definition = JSON.parse(machine.definition);
    }
    const events = await allPages((request) => sfn("GetExecutionHistory", request), { executionArn: arn, maxResults: 1000 }, (reply) => reply.events || []);
    view = { execution, events, analysis: analyze(events, definition, execution) };
    render();
  };

  let stopPolling = null;
  const stopWhenDone = poll(
    1000,
    async () => {
      if (view.execution && view.execution.status !== "RUNNING") return;
      await refresh();
    },
    errors
  );
  stopPolling = stopWhenDone;
  return () => stopPolling();
}

function detailsForPeople(details) {
  const copy = {};
  for (const [key, value] of Object.entries(details || {})) {
    if (typeof value === "string" && /^\s*[[{"]/.test(value)) {
      try {
        copy[key] = JSON.parse(value);
        continue;
      } catch {
        /* kept as text */
      }
    }
    copy[key] = value;
  }
  return copy;
}

// MARK: Queues and topics

async function queuesPage() {
  const errors = h("div");
  const queuesSlot = h("div", {}, h("p", { class: "muted" }, "Loading…"));
  const messagesSlot = h("div", { id: "messages" });
  const topicsSlot = h("div");
  show(
    pageHeader("Queues and topics"),
    errors,
    h("section", { class: "card" }, h("h2", {}, "Queues"), queuesSlot),
    messagesSlot,
    h("section", { class: "card" }, h("h2", {}, "Topics"), topicsSlot)
  );

  const peek = async (url) => {
    try {
      const messages = await peekMessages(url);
      replace(
        messagesSlot,
        h(
          "section",
          { class: "card", id: "peeked" },
          h("h2", {}, `Messages in ${nameOfArn(url.split("/").pop())}`),
          h("p", { class: "muted" }, "Read without receiving them: nothing changes in the queue."),
          messages.length
            ? table(
                ["Message ID", "Sent", "Receives", "Body"],
                messages.slice(0, 100).map((message) =>
                  h(
                    "tr",
                    {},
                    h("td", {}, h("code", {}, message.MessageId)),
                    h("td", {}, formatDate(Number(message.Attributes?.SentTimestamp))),
                    h("td", {}, message.Attributes?.ApproximateReceiveCount ?? ""),
                    h("td", {}, h("details", {}, h("summary", {}, message.Body.slice(0, 80)), jsonBlock(message.Body)))
                  )
                )
              )
            : h("p", {}, "The queue is empty."),
          messages.length > 100 ? h("p", { class: "muted" }, `Showing 100 of ${messages.length}.`) : null
        )
      );
    } catch (error) {
      replace(messagesSlot, errorBox(error));
    }
  };

  const redrive = async (arn, button) => {
    button.disabled = true;
    try {
      const task = await sqs("StartMessageMoveTask", { SourceArn: arn });
      button.replaceWith(badge("running", `Moving back (task ${task.TaskHandle.slice(0, 12)}…)`));
    } catch (error) {
      replace(errors, errorBox(error));
      button.disabled = false;
    }
  };

  const stopQueues = poll(
    3000,
    async () => {
      const urls = await allPages((request) => sqs("ListQueues", request), {}, (reply) => reply.QueueUrls || [], "NextToken");
      const attributes = await Promise.all(urls.map((QueueUrl) => sqs("GetQueueAttributes", { QueueUrl, AttributeNames: ["All"] }).then((reply) => reply.Attributes || {})));
      const policies = attributes.map((attribute) => (attribute.RedrivePolicy ? JSON.parse(attribute.RedrivePolicy) : null));
      const deadLetterTargets = new Set(policies.filter(Boolean).map((policy) => policy.deadLetterTargetArn));
      const moveTasks = await Promise.all(
        attributes.map((attribute) =>
          deadLetterTargets.has(attribute.QueueArn)
            ? sqs("ListMessageMoveTasks", { SourceArn: attribute.QueueArn, MaxResults: 1 }).then((reply) => (reply.Results || [])[0]).catch(() => null)
            : null
        )
      );
      const rows = urls.map((url, index) => {
        const attribute = attributes[index];
        const policy = policies[index];
        const isDeadLetterQueue = deadLetterTargets.has(attribute.QueueArn);
        const moveTask = moveTasks[index];
        const redriveButton = h("button", { class: "redrive", onclick: (event) => redrive(attribute.QueueArn, event.target) }, "↩ Move messages back to source");
        return h(
          "tr",
          { dataset: { queue: nameOfArn(attribute.QueueArn) } },
          h("td", {}, nameOfArn(attribute.QueueArn), isDeadLetterQueue ? h("span", { class: "tag" }, "dead-letter queue") : null),
          h("td", { class: "number visible" }, attribute.ApproximateNumberOfMessages),
          h("td", { class: "number in-flight" }, attribute.ApproximateNumberOfMessagesNotVisible),
          h("td", { class: "number delayed" }, attribute.ApproximateNumberOfMessagesDelayed),
          h("td", {}, policy ? `${nameOfArn(policy.deadLetterTargetArn)} (after ${policy.maxReceiveCount} receives)` : "—"),
          h(
            "td",
            { class: "row-actions" },
            h("button", { class: "peek", onclick: () => peek(url) }, "Peek messages"),
            isDeadLetterQueue && Number(attribute.ApproximateNumberOfMessages) > 0 ? redriveButton : null,
            moveTask ? h("span", { class: "muted" }, ` last move: ${moveTask.Status} (${moveTask.ApproximateNumberOfMessagesMoved} moved)`) : null
          )
        );
      });
      replace(queuesSlot, urls.length ? table(["Queue", "Visible", "In flight", "Delayed", "Dead-letter queue", ""], rows, { id: "queues" }) : h("p", {}, "No queues."));
    },
    errors
  );

  const stopTopics = poll(5000, async () => {
    const document = await sns("ListTopics");
    const topics = [...document.querySelectorAll("Topics > member > TopicArn")].map((node) => node.textContent);
    const subscriptions = await Promise.all(
      topics.map(async (TopicArn) => {
        const reply = await sns("ListSubscriptionsByTopic", { TopicArn });
        return [...reply.querySelectorAll("Subscriptions > member")].map((member) => ({
          protocol: member.querySelector("Protocol")?.textContent,
          endpoint: member.querySelector("Endpoint")?.textContent,
          arn: member.querySelector("SubscriptionArn")?.textContent,
        }));
      })
    );
    const rows = topics.flatMap((topic, index) =>
      (subscriptions[index].length ? subscriptions[index] : [null]).map((subscription) =>
        h(
          "tr",
          { dataset: { topic: nameOfArn(topic) } },
          h("td", {}, nameOfArn(topic)),
          h("td", {}, subscription?.protocol || h("span", { class: "muted" }, "no subscriptions")),
          h("td", {}, subscription ? nameOfArn(subscription.endpoint) : ""),
          h("td", {}, subscription ? h("code", { class: "small" }, subscription.arn) : "")
        )
      )
    );
    replace(topicsSlot, topics.length ? table(["Topic", "Protocol", "Endpoint", "Subscription"], rows, { id: "topics" }) : h("p", {}, "No topics."));
  }, errors);
  return () => {
    stopQueues();
    stopTopics();
  };
}

// MARK: Logs

async function logsPage(query) {
  const groups = await allPages((request) => logs("DescribeLogGroups", request), {}, (reply) => reply.logGroups || []);
  const chosen = query.get("group") || groups.find((group) => /Logger/i.test(group.logGroupName))?.logGroupName || groups[0]?.logGroupName || "";
  const pattern = query.get("filter") || "";
  const select = h(
    "select",
    { id: "log-group", "aria-label": "Log group" },
    groups.map((group) => h("option", { value: group.logGroupName, selected: group.logGroupName === chosen }, group.logGroupName))
  );
  const filter = h("input", { id: "filter-pattern", type: "search", value: pattern, placeholder: 'Filter events: a term, "a phrase", ?any ?of, { $.status = 200 }', "aria-label": "Filter pattern" });
  const apply = () => {
    location.hash = `#/logs?group=${encode(select.value)}${filter.value ? `&filter=${encode(filter.value)}` : ""}`;
  };
  select.addEventListener("change", apply);
  const errors = h("div");
  const body = h("div", { id: "log-events" });
  show(
    pageHeader("Logs"),
    h(
      "form",
      { class: "toolbar", onsubmit: (event) => { event.preventDefault(); apply(); } },
      h("label", {}, "Log group ", select),
      filter,
      h("button", { type: "submit" }, "Search")
    ),
    errors,
    body
  );
  if (!chosen) {
    replace(body, h("p", {}, "No log groups."));
    return null;
  }
  return poll(
    3000,
    async () => {
      const request = { logGroupName: chosen, limit: 1000 };
      if (pattern) request.filterPattern = pattern;
      const events = await allPages((page) => logs("FilterLogEvents", page), request, (reply) => reply.events || [], "nextToken", 5000);
      events.sort((a, b) => b.timestamp - a.timestamp || String(b.eventId).localeCompare(String(a.eventId)));
      replace(
        body,
        h("p", { class: "muted" }, `${events.length} event${events.length === 1 ? "" : "s"}, newest first${pattern ? `, matching ${pattern}` : ""}`),
        events.length
          ? table(
              ["Time", "Stream", "Message"],
              events.map((event) => h("tr", {}, h("td", { class: "nowrap" }, formatDate(event.timestamp)), h("td", { class: "small" }, event.logStreamName), h("td", {}, h("pre", { class: "message" }, event.message))))
            )
          : null
      );
    },
    errors
  );
}

// MARK: Experiments

function reportPassed(report) {
  return report.quiescent && (report.startErrors || []).length === 0 && (report.invariants || []).every((invariant) => invariant.passed);
}

async function experimentsPage() {
  const index = await getJSON("/console/reports/");
  const reports = await Promise.all(
    index.reports.slice(0, 200).map((entry) =>
      getJSON(`/console/reports/${entry.path.split("/").map(encode).join("/")}/report.json`)
        .then((report) => ({ entry, report }))
        .catch((error) => ({ entry, error }))
    )
  );
  show(
    pageHeader("Experiments"),
    h("p", { class: "muted" }, `Reports under ${index.directory || "(no reports directory)"}: `, h("code", {}, "callbacksim experiment run FILE"), " writes one."),
    reports.length
      ? table(
          ["Report", "Experiment", "Seed", "Result", "Executions", "Faults", "Duration", "Written"],
          reports.map(({ entry, report, error }) =>
            h(
              "tr",
              { dataset: { report: entry.path } },
              h("td", {}, link(`#/experiment/${encode(entry.path)}`, entry.path)),
              h("td", {}, report?.experiment || ""),
              h("td", {}, report?.seed ?? ""),
              h("td", {}, report ? badge(reportPassed(report) ? "passed" : "violated") : errorBox(error)),
              h("td", {}, report ? `${report.executionsStarted} / ${report.executionsPlanned}` : ""),
              h("td", {}, report ? (report.faults || []).length : ""),
              h("td", {}, report ? formatDuration(report.durationSeconds) : ""),
              h("td", {}, formatDate(entry.modified))
            )
          ),
          { id: "reports" }
        )
      : h("p", {}, "No reports yet.")
  );
}

async function experimentPage(path) {
  const base = `/console/reports/${path.split("/").map(encode).join("/")}`;
  const report = await getJSON(`${base}/report.json`);
  const passed = reportPassed(report);
  show(
    pageHeader(`${report.experiment}, seed ${report.seed}`, badge(passed ? "passed" : "violated")),
    h("p", {}, link("#/experiments", "← all reports")),
    h(
      "section",
      { class: "card" },
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, "Executions"),
        h("dd", {}, `${report.executionsStarted} started of ${report.executionsPlanned} planned`),
        h("dt", {}, "Quiescent"),
        h("dd", {}, report.quiescent ? "yes" : "no"),
        h("dt", {}, "Duration"),
        h("dd", {}, formatDuration(report.durationSeconds)),
        h("dt", {}, "Latency"),
        h("dd", {}, Object.entries(report.latency || {}).map(([key, value]) => `${key} ${formatDuration(value)}`).join(" · ")),
        h("dt", {}, "Paths"),
        h("dd", {}, Object.entries(report.paths || {}).map(([key, value]) => `${key}: ${value}`).join(" · ")),
        h("dt", {}, "Dead letters"),
        h("dd", {}, String(report.deadLetters))
      )
    ),
    h("section", { class: "card" }, h("h2", {}, "Timeline"), h("img", { class: "timeline", src: `${base}/timeline.svg`, alt: `Timeline of ${report.experiment}, seed ${report.seed}` })),
    h(
      "section",
      { class: "card" },
      h("h2", {}, "Invariants"),
      table(
        ["Invariant", "Result", "Violations"],
        (report.invariants || []).map((invariant) =>
          h(
            "tr",
            { dataset: { invariant: invariant.invariant } },
            h("td", {}, invariant.invariant),
            h("td", {}, badge(invariant.passed ? "passed" : "violated")),
            h("td", {}, invariant.violations.length ? h("ul", { class: "plain" }, invariant.violations.slice(0, 50).map((violation) => h("li", {}, violation))) : "—")
          )
        ),
        { id: "invariants" }
      )
    ),
    h(
      "section",
      { class: "card" },
      h("h2", {}, "Faults"),
      table(
        ["Kind", "What", "From", "To", "Outcome"],
        (report.faults || []).map((fault) =>
          h(
            "tr",
            {},
            h("td", {}, fault.kind),
            h("td", {}, fault.summary),
            h("td", {}, `${fault.startedAt.toFixed(1)} s`),
            h("td", {}, fault.endedAt !== undefined && fault.endedAt !== null ? `${fault.endedAt.toFixed(1)} s` : ""),
            h("td", {}, fault.error ? badge("failed", fault.error) : fault.droppedPackets !== undefined && fault.droppedPackets !== null ? `${fault.droppedPackets} packets dropped` : badge("succeeded", "applied"))
          )
        )
      )
    ),
    Object.keys(report.explanations || {}).length
      ? h("details", { class: "card" }, h("summary", {}, `Explanations (${Object.keys(report.explanations).length})`), jsonBlock(report.explanations))
      : null
  );
}

// MARK: Routing

const routes = [
  [/^#\/state-machines$/, () => stateMachinesPage(), "machines"],
  [/^#\/state-machine\/(.+)$/, (match) => stateMachinePage(decodeURIComponent(match[1])), "machines"],
  [/^#\/executions\/([^?]+)$/, (match, query) => executionsPage(decodeURIComponent(match[1]), query), "machines"],
  [/^#\/execution\/(.+)$/, (match) => executionPage(decodeURIComponent(match[1])), "machines"],
  [/^#\/queues$/, () => queuesPage(), "queues"],
  [/^#\/logs$/, (match, query) => logsPage(query), "logs"],
  [/^#\/experiments$/, () => experimentsPage(), "experiments"],
  [/^#\/experiment\/(.+)$/, (match) => experimentPage(decodeURIComponent(match[1])), "experiments"],
];

async function route() {
  if (page) page();
  page = null;
  const [path, search] = (location.hash || "#/state-machines").split("?");
  const query = new URLSearchParams(search || "");
  replace(main);
  const found = routes.find(([pattern]) => pattern.test(path));
  if (!found) {
    location.hash = "#/state-machines";
    return;
  }
  for (const item of document.querySelectorAll("nav a")) item.classList.toggle("active", item.dataset.section === found[2]);
  main.setAttribute("aria-busy", "true");
  try {
    page = (await found[1](path.match(found[0]), query)) || null;
  } catch (error) {
    show(errorBox(error));
  } finally {
    main.removeAttribute("aria-busy");
  }
}

async function health() {
  const slot = document.getElementById("health");
  try {
    const reply = await getJSON("/_callbacksim/health");
    const down = Object.entries(reply.services).filter(([, state]) => state !== "running").map(([name]) => name);
    replace(slot, down.length ? badge("failed", `${down.join(", ")} not answering`) : badge("succeeded", "all services answering"));
    slot.title = Object.entries(reply.services).map(([name, state]) => `${name}: ${state}`).join("\n");
  } catch (error) {
    replace(slot, badge("failed", "gateway not answering"));
  }
}

// MARK: Credentials, for a gateway that checks signatures

const dialog = document.getElementById("credentials-dialog");
const credentialsButton = document.getElementById("credentials-button");
function showCredentials() {
  const key = credentials();
  credentialsButton.textContent = key ? `Signing as ${key.accessKeyId}` : "Credentials";
}
function askForCredentials() {
  const key = credentials();
  document.getElementById("access-key-id").value = key?.accessKeyId || "";
  document.getElementById("secret-access-key").value = key?.secretAccessKey || "";
  document.getElementById("signing-region").value = key?.region || "us-east-1";
  dialog.showModal();
}
credentialsButton.addEventListener("click", askForCredentials);
dialog.addEventListener("close", () => {
  if (dialog.returnValue === "save") {
    setCredentials({
      accessKeyId: document.getElementById("access-key-id").value.trim(),
      secretAccessKey: document.getElementById("secret-access-key").value,
      region: document.getElementById("signing-region").value.trim() || "us-east-1",
    });
  } else if (dialog.returnValue === "clear") {
    setCredentials(null);
  } else {
    return;
  }
  showCredentials();
  route();
});
document.addEventListener("click", (event) => {
  if (event.target.closest?.(".ask-credentials")) askForCredentials();
});
showCredentials();

window.addEventListener("hashchange", route);
route();
health();
setInterval(health, 5000);
