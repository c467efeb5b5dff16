// The AWS APIs the console calls: the gateway's own, in the protocols the AWS SDKs speak, so the console shows
// exactly what an SDK would see. Requests are unsigned, which the gateway accepts unless it was started with
// --credentials; then the console signs them with Signature Version 4 using the key given in its Credentials form
// (kept in this tab's sessionStorage only).

export class AWSError extends Error {
  constructor(code, message, status) {
    super(`${code}: ${message}`);
    this.code = code;
    this.status = status;
  }
}

const CREDENTIALS = "callbacksim.credentials";

/** {accessKeyId, secretAccessKey, region} or null. */
export function credentials() {
  try {
    return JSON.parse(sessionStorage.getItem(CREDENTIALS) || "null");
  } catch {
    return null;
  }
}

export function setCredentials(value) {
  if (value) sessionStorage.setItem(CREDENTIALS, JSON.stringify(value));
  else sessionStorage.removeItem(CREDENTIALS);
}

/** Errors that mean the gateway wants signed requests, or did not accept the signature. */
export const AUTHENTICATION_ERRORS = new Set([
  "MissingAuthenticationToken", "MissingAuthenticationTokenException", "UnrecognizedClientException",
  "InvalidClientTokenId", "InvalidSignatureException", "SignatureDoesNotMatch", "RequestExpired",
]);

const encoder = new TextEncoder();
const hex = (buffer) => [...new Uint8Array(buffer)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
const sha256 = async (text) => hex(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
async function hmac(key, text) {
  const imported = await crypto.subtle.importKey("raw", typeof key === "string" ? encoder.encode(key) : key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return crypto.subtle.sign("HMAC", imported, encoder.encode(text));
}

/**
 * SigV4 as the SDKs sign (the gateway's SigV4.swift checks it): every header sent is signed, the body's hash
 * is in the canonical request, the scope names the region and the service. Paths here are unreserved
 * characters only, so the canonical URI is the path itself.
 */
export async function sign(path, service, headers, body, now = new Date()) {
  const key = credentials();
  if (!key) return headers;
  if (!crypto.subtle) throw new AWSError("InsecureContext", "signing needs a secure context: open the console on localhost, 127.0.0.1 or HTTPS", 0);
  const amzDate = now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
  const date = amzDate.slice(0, 8);
  const region = key.region || "us-east-1";
  const all = { host: location.host, "x-amz-date": amzDate };
  for (const [name, value] of Object.entries(headers)) all[name.toLowerCase()] = value;
  const names = Object.keys(all).sort();
  const canonicalHeaders = names.map((name) => `${name}:${String(all[name]).trim().split(/[ \t]+/).join(" ")}\n`).join("");
  const canonicalRequest = ["POST", path, "", canonicalHeaders, names.join(";"), await sha256(body)].join("\n");
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, await sha256(canonicalRequest)].join("\n");
  let signingKey = `AWS4${key.secretAccessKey}`;
  for (const part of [date, region, service, "aws4_request"]) signingKey = await hmac(signingKey, part);
  const signature = hex(await hmac(signingKey, stringToSign));
  return {
    ...headers,
    "X-Amz-Date": amzDate,
    Authorization: `AWS4-HMAC-SHA256 Credential=${key.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}`,
  };
}

async function post(path, service, headers, body) {
  return fetch(path, { method: "POST", headers: await sign(path, service, headers, body), body });
}

async function jsonCall(target, version, body, service) {
  let response;
  try {
    response = await post("/", service, { "Content-Type": `application/x-amz-json-${version}`, "X-Amz-Target": target }, JSON.stringify(body || {}));
  } catch (error) {
    if (error instanceof AWSError) throw error;
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

export const sfn = (operation, body) => jsonCall(`AWSStepFunctions.${operation}`, "1.0", body, "states");
export const sqs = (operation, body) => jsonCall(`AmazonSQS.${operation}`, "1.0", body, "sqs");
export const logs = (operation, body) => jsonCall(`Logs_20140328.${operation}`, "1.1", body, "logs");

/** SNS speaks the query protocol: a form in, XML out. Returns the reply's Document. */
export async function sns(action, parameters = {}) {
  const form = new URLSearchParams({ Action: action, Version: "2010-03-31", ...parameters });
  const response = await post("/", "sns", { "Content-Type": "application/x-www-form-urlencoded; charset=utf-8" }, form.toString());
  const document = new DOMParser().parseFromString(await response.text(), "application/xml");
  if (!response.ok) {
    const text = (name) => document.querySelector(name)?.textContent || "";
    throw new AWSError(text("Code") || String(response.status), text("Message"), response.status);
  }
  return document;
}

/** A queue's messages read without receiving them: callbacksim's extension, since no AWS API peeks. */
export async function peekMessages(queueUrl) {
  const response = await post("/_callbacksim/sqs/ListMessages", "sqs", { "Content-Type": "application/x-amz-json-1.0" }, JSON.stringify({ QueueUrl: queueUrl }));
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
