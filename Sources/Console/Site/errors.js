// Script errors are kept where tests (and people, in the corner badge) can see them.
window.consoleErrors = [];
const keep = (message) => {
  window.consoleErrors.push(String(message));
  document.body?.setAttribute("data-script-errors", String(window.consoleErrors.length));
};
window.addEventListener("error", (event) => keep(event.message || event.error));
window.addEventListener("unhandledrejection", (event) => keep(event.reason?.stack || event.reason));
