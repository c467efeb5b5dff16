// Small DOM helpers shared by the pages.

import { AUTHENTICATION_ERRORS } from "./aws.js";

/** An element: h("a", {href: "#/"}, "text", child…). `on*` attributes become listeners; null children are skipped. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else if (name === "dataset") Object.assign(element.dataset, value);
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, value);
  }
  append(element, children);
  return element;
}

/** Appends children as h() does: nested arrays flattened, null and false skipped, strings as text. */
export function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
}

export function replace(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

// Status never rides on colour alone: each has an icon and a word.
const STATUS = {
  RUNNING: ["⟳", "Running", "running"],
  SUCCEEDED: ["✓", "Succeeded", "succeeded"],
  FAILED: ["✗", "Failed", "failed"],
  TIMED_OUT: ["◷", "Timed out", "failed"],
  ABORTED: ["⊘", "Aborted", "cancelled"],
  PENDING_REDRIVE: ["↻", "Pending redrive", "running"],
  running: ["⟳", "In progress", "running"],
  succeeded: ["✓", "Succeeded", "succeeded"],
  failed: ["✗", "Failed", "failed"],
  caught: ["⚠", "Caught error", "caught"],
  cancelled: ["⊘", "Cancelled", "cancelled"],
  waiting: ["☎", "Waiting for callback", "running"],
  notReached: ["○", "Not reached", "idle"],
  ACTIVE: ["✓", "Active", "succeeded"],
  passed: ["✓", "Passed", "succeeded"],
  violated: ["✗", "Failed", "failed"],
};

export function statusInfo(status) {
  const [icon, label, tone] = STATUS[status] || ["•", String(status), "idle"];
  return { icon, label, tone };
}

export function badge(status, text) {
  const { icon, label, tone } = statusInfo(status);
  return h("span", { class: `badge tone-${tone}`, dataset: { status } }, h("span", { "aria-hidden": "true" }, icon), " ", text ?? label);
}

export function formatDate(value) {
  if (value === undefined || value === null || value === "") return "";
  const date = typeof value === "number" ? new Date(value > 1e12 ? value : value * 1000) : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  const pad = (n, width = 2) => String(n).padStart(width, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(
    date.getMinutes()
  )}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

export function formatDuration(seconds) {
  if (seconds === undefined || seconds === null || Number.isNaN(seconds)) return "";
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 120) return `${seconds.toFixed(seconds < 10 ? 2 : 1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** JSON shown for people: strings that hold JSON (inputs, outputs, parameters) are opened up. */
export function pretty(value) {
  if (typeof value === "string") {
    try {
      return JSON.stringify(JSON.parse(value), null, 2);
    } catch {
      return value;
    }
  }
  return JSON.stringify(value, null, 2);
}

export function jsonBlock(value) {
  return h("pre", { class: "json" }, pretty(value));
}

export function nameOfArn(arn) {
  return String(arn || "").split(":").pop();
}

export function errorBox(error) {
  return h(
    "div",
    { class: "error-box", role: "alert", dataset: { code: error.code || "" } },
    h("strong", {}, "⚠ ", error.code || "Error"),
    " ",
    error.message || String(error),
    AUTHENTICATION_ERRORS.has(error.code) ? h("div", {}, "This gateway checks signatures: ", h("button", { type: "button", class: "ask-credentials" }, "set credentials")) : null
  );
}

export function table(headers, rows, attributes = {}) {
  return h(
    "div",
    { class: "table-wrap" },
    h("table", attributes, h("thead", {}, h("tr", {}, headers.map((header) => h("th", { scope: "col" }, header)))), h("tbody", {}, rows))
  );
}
