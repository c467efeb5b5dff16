// The AWS APIs the console calls: the gateway's own, in the protocols the AWS SDKs speak, so the console shows
// exactly what an SDK would see. Requests are unsigned (the gateway accepts them unless started with
// --credentials).

export class AWSError extends Error {
  constructor(code, message, status) {
    super(`${code}: ${message}`);
    this.code = code;
    this.status = status;
  }
}

async function jsonCall(target, version, body) {
  let response;
  try {
    response = await fetch("/", {
      method: "POST",
      headers: { "Content-Type": `application/x-amz-json-${version}`, "X-Amz-Target": target },
      body: JSON.stringify(body || {}),
    });
  } catch (error) {
    throw new AWSError("NetworkError", `the gateway did not answer (${error.message})`, 0);
  }
  const text = await response.text();
  let data = {};
  try {
    data = text ? JSON.parse(text) : {};
  } catch {
    throw new AWSError("InvalidResponse", text.slice(0, 200), response.status);
  }
  if (!response.ok) {
    const code = String(data.__type || response.status).split("#").pop();
    throw new AWSError(code, data.message || data.Message || "", response.status);
  }
  return data;
}

export const sfn = (operation, body) => jsonCall(`AWSStepFunctions.${operation}`, "1.0", body);
export const sqs = (operation, body) => jsonCall(`AmazonSQS.${operation}`, "1.0", body);
export const logs = (operation, body) => jsonCall(`Logs_20140328.${operation}`, "1.1", body);

/** SNS speaks the query protocol: a form in, XML out. Returns the reply's Document. */
export async function sns(action, parameters = {}) {
  const form = new URLSearchParams({ Action: action, Version: "2010-03-31", ...parameters });
  const response = await fetch("/", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded; charset=utf-8" },
    body: form.toString(),
  });
  const document = new DOMParser().parseFromString(await response.text(), "application/xml");
  if (!response.ok) {
    const text = (name) => document.querySelector(name)?.textContent || "";
    throw new AWSError(text("Code") || String(response.status), text("Message"), response.status);
  }
  return document;
}

/** A queue's messages read without receiving them: callbacksim's extension, since no AWS API peeks. */
export async function peekMessages(queueUrl) {
  const response = await fetch("/_callbacksim/sqs/ListMessages", {
    method: "POST",
    headers: { "Content-Type": "application/x-amz-json-1.0" },
    body: JSON.stringify({ QueueUrl: queueUrl }),
  });
  const data = await response.json();
  if (!response.ok) throw new AWSError(String(data.__type || response.status), data.message || "", response.status);
  return data.Messages || [];
}

export async function getJSON(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new AWSError(String(response.status), `${url}: ${response.statusText}`, response.status);
  return response.json();
}

/** Every page of a paged call: `pick` takes the items out of each reply. */
export async function allPages(call, request, pick, tokenName = "nextToken", limit = 10000) {
  const items = [];
  let token;
  do {
    const reply = await call({ ...request, ...(token ? { [tokenName]: token } : {}) });
    items.push(...pick(reply));
    token = reply[tokenName] || reply.NextToken;
  } while (token && items.length < limit);
  return items;
}
