// A state machine drawn as the AWS console draws it: states as boxes (name and type), Next edges, Choice rules
// labelled with their condition, Default, Catch edges dashed with their errors, Parallel branches and Map
// iterations as nested boxes, start and end. dagre (vendor/dagre.min.js) lays out each scope; a Parallel or Map
// state is sized to hold its inner scopes, which are laid out first.

import { statusInfo } from "./ui.js";

const SVG = "http://www.w3.org/2000/svg";
const FONT = 12;
const CHAR = 7; // px per character at 12px, for sizing boxes before they are drawn
const LABEL_CHAR = 6.2;

function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) if (value !== null && value !== undefined) element.setAttribute(name, value);
  for (const child of children) if (child) element.append(child);
  return element;
}

function clip(text, max) {
  text = String(text);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const OPERATORS = {
  StringEquals: "==", NumericEquals: "==", BooleanEquals: "==", TimestampEquals: "==",
  StringLessThan: "<", NumericLessThan: "<", TimestampLessThan: "<",
  StringGreaterThan: ">", NumericGreaterThan: ">", TimestampGreaterThan: ">",
  StringLessThanEquals: "<=", NumericLessThanEquals: "<=", TimestampLessThanEquals: "<=",
  StringGreaterThanEquals: ">=", NumericGreaterThanEquals: ">=", TimestampGreaterThanEquals: ">=",
  StringMatches: "matches",
};

/** A Choice rule as people write it: `$.status == 200`, `not ($.x is present)`, or a JSONata Condition. */
export function describeRule(rule) {
  if (!rule || typeof rule !== "object") return "";
  if (rule.Condition !== undefined) return String(rule.Condition).replace(/^\{%\s*|\s*%\}$/g, "");
  if (rule.And) return rule.And.map((inner) => `(${describeRule(inner)})`).join(" and ");
  if (rule.Or) return rule.Or.map((inner) => `(${describeRule(inner)})`).join(" or ");
  if (rule.Not) return `not (${describeRule(rule.Not)})`;
  const variable = rule.Variable || "";
  for (const [key, value] of Object.entries(rule)) {
    if (key === "Variable" || key === "Next" || key === "Comment" || key === "Assign" || key === "Output") continue;
    const isPath = key.endsWith("Path");
    const base = isPath ? key.slice(0, -4) : key;
    if (base.startsWith("Is")) return `${variable} ${value ? "is" : "is not"} ${base.slice(2).toLowerCase()}`;
    const operator = OPERATORS[base] || base;
    return `${variable} ${operator} ${isPath ? value : JSON.stringify(value)}`;
  }
  return variable;
}

function stateSize(name, state) {
  const text = Math.max(clip(name, 40).length, (state.Type || "").length + 4);
  return { width: Math.max(150, text * CHAR + 36), height: 48 };
}

const HEADER = 30;
const PADDING = 14;
const GAP = 18;

/** Lays out one scope (`StartAt` + `States`) and everything nested in it; returns its size and positions. */
export function layoutScope(scope, depth = 0) {
  const graph = new dagre.graphlib.Graph({ multigraph: true });
  graph.setGraph({ rankdir: "TB", nodesep: 28, ranksep: 34, edgesep: 14, marginx: 10, marginy: 10 });
  graph.setNode("__start", { kind: "start", width: 64, height: 26 });
  graph.setNode("__end", { kind: "end", width: 64, height: 26 });
  const states = scope?.States || {};
  for (const [name, state] of Object.entries(states)) {
    let inner = null;
    if (state.Type === "Parallel") inner = (state.Branches || []).map((branch) => layoutScope(branch, depth + 1));
    else if (state.Type === "Map" && (state.ItemProcessor || state.Iterator)) inner = [layoutScope(state.ItemProcessor || state.Iterator, depth + 1)];
    let size = stateSize(name, state);
    if (inner) {
      const width = inner.reduce((sum, part) => sum + part.width, 0) + GAP * (inner.length - 1) + PADDING * 2;
      const height = Math.max(0, ...inner.map((part) => part.height)) + HEADER + PADDING;
      size = { width: Math.max(size.width, width), height: Math.max(size.height, height) };
    }
    graph.setNode(name, { kind: "state", name, state, inner, ...size });
  }
  let edgeNumber = 0;
  const edge = (from, to, attributes = {}) => {
    if (!graph.hasNode(to)) return;
    const label = attributes.label ? clip(attributes.label, 48) : null;
    graph.setEdge(
      from,
      to,
      { ...attributes, label, fullLabel: attributes.label, width: label ? label.length * LABEL_CHAR + 10 : 0, height: label ? 18 : 0, labelpos: "c" },
      `e${edgeNumber++}`
    );
  };
  if (scope?.StartAt) edge("__start", scope.StartAt, { kind: "next" });
  for (const [name, state] of Object.entries(states)) {
    if (state.Type === "Choice") {
      for (const rule of state.Choices || []) edge(name, rule.Next, { kind: "choice", label: describeRule(rule) });
      if (state.Default) edge(name, state.Default, { kind: "default", label: "Default" });
    }
    if (state.Next) edge(name, state.Next, { kind: "next" });
    if (state.End || state.Type === "Succeed" || state.Type === "Fail") edge(name, "__end", { kind: "next" });
    for (const catcher of state.Catch || []) edge(name, catcher.Next, { kind: "catch", label: (catcher.ErrorEquals || []).join(", ") });
  }
  dagre.layout(graph);
  const box = graph.graph();
  return { graph, width: box.width || 100, height: box.height || 60, depth };
}

function edgePath(points) {
  return points.map((point, index) => `${index ? "L" : "M"}${point.x.toFixed(1)},${point.y.toFixed(1)}`).join(" ");
}

function drawScope(layout, statuses, onSelect) {
  const group = svg("g", { class: "scope" });
  const { graph } = layout;
  for (const key of graph.edges()) {
    const data = graph.edge(key);
    const path = svg("path", {
      d: edgePath(data.points),
      class: `edge edge-${data.kind}`,
      "marker-end": "url(#arrow)",
    });
    const edgeGroup = svg("g", { "data-edge": `${key.v} → ${key.w}`, "data-kind": data.kind }, path);
    if (data.label) {
      const width = data.label.length * LABEL_CHAR + 10;
      edgeGroup.append(
        svg("rect", { x: data.x - width / 2, y: data.y - 9, width, height: 18, rx: 4, class: `edge-label-bg edge-label-${data.kind}` }),
        svg("text", { x: data.x, y: data.y + 4, class: "edge-label", "text-anchor": "middle" }, document.createTextNode(data.label))
      );
      if (data.fullLabel !== data.label) edgeGroup.append(svg("title", {}, document.createTextNode(data.fullLabel)));
    }
    group.append(edgeGroup);
  }
  for (const id of graph.nodes()) {
    const node = graph.node(id);
    const x = node.x - node.width / 2;
    const y = node.y - node.height / 2;
    if (node.kind === "start" || node.kind === "end") {
      group.append(
        svg(
          "g",
          { class: `terminal terminal-${node.kind}` },
          svg("rect", { x, y, width: node.width, height: node.height, rx: 13 }),
          svg("text", { x: node.x, y: node.y + 4, "text-anchor": "middle" }, document.createTextNode(node.kind === "start" ? "Start" : "End"))
        )
      );
      continue;
    }
    const status = statuses?.get(node.name)?.status || (statuses ? "notReached" : null);
    const info = status ? statusInfo(status) : null;
    const element = svg("g", {
      class: `state-node type-${node.state.Type} ${info ? `tone-${info.tone}` : "tone-plain"}${node.inner ? " compound" : ""}`,
      "data-state": node.name,
      "data-status": status || "",
      tabindex: "0",
      role: "button",
      "aria-label": `${node.name}, ${node.state.Type}${info ? `, ${info.label}` : ""}`,
    });
    element.append(svg("rect", { x, y, width: node.width, height: node.height, rx: 6, class: "state-box" }));
    const title = clip(node.name, 40);
    const iterations = statuses?.get(node.name)?.iterations;
    const counted = iterations ? ` · ${iterations.succeeded}/${iterations.started}` : "";
    const subtitle = info ? `${info.icon} ${info.label}${counted}` : node.state.Type;
    if (node.inner) {
      element.append(
        svg("text", { x: x + 10, y: y + 19, class: "state-name" }, document.createTextNode(title)),
        svg("text", { x: x + node.width - 10, y: y + 19, class: "state-type", "text-anchor": "end" }, document.createTextNode(`${node.state.Type} · ${subtitle}`))
      );
      let offset = x + PADDING;
      for (const inner of node.inner) {
        const innerGroup = drawScope(inner, statuses, onSelect);
        innerGroup.setAttribute("transform", `translate(${offset},${y + HEADER})`);
        element.append(svg("rect", { x: offset, y: y + HEADER, width: inner.width, height: inner.height, rx: 4, class: "branch-box" }), innerGroup);
        offset += inner.width + GAP;
      }
    } else {
      element.append(
        svg("text", { x: node.x, y: node.y - 4, class: "state-name", "text-anchor": "middle" }, document.createTextNode(title)),
        svg("text", { x: node.x, y: node.y + 14, class: "state-type", "text-anchor": "middle" }, document.createTextNode(info ? `${node.state.Type} · ${subtitle}` : subtitle))
      );
    }
    if (node.name !== title) element.append(svg("title", {}, document.createTextNode(node.name)));
    if (onSelect) {
      const select = (event) => {
        event.stopPropagation();
        onSelect(node.name);
      };
      element.addEventListener("click", select);
      element.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") select(event);
      });
    }
    group.append(element);
  }
  return group;
}

/** The definition as an SVG element; `statuses` (name → {status}) colours states, `onSelect(name)` on click. */
export function drawDefinition(definition, statuses = null, onSelect = null) {
  const layout = layoutScope(definition);
  const root = svg("svg", {
    class: "state-graph",
    viewBox: `0 0 ${Math.ceil(layout.width)} ${Math.ceil(layout.height)}`,
    width: Math.ceil(layout.width),
    role: "img",
    "aria-label": "State machine graph",
  });
  root.append(
    svg(
      "defs",
      {},
      svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, svg("path", { d: "M0,0 L10,5 L0,10 z", class: "arrow-head" }))
    ),
    drawScope(layout, statuses, onSelect)
  );
  return root;
}
