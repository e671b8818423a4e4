// Signed calls to the CloudStack API, made in the page: the secret stays here (a non-extractable Web Crypto
// key in memory; in sessionStorage only if the user asks to stay signed in for this tab) and is never sent.
const ENDPOINT = "client/api"; // relative: /client/api locally, /<stage>/client/api behind API Gateway
const NAME = /^[A-Za-z0-9_.[\]]{1,100}$/;
const JAVA_SAFE = /^[A-Za-z0-9.\-*_]$/;
const EXPIRES_AHEAD_MS = 5 * 60 * 1000; // the server refuses more than an hour ahead
const STORE = "jobledger.console.keys";

let session = null; // { apikey, key: CryptoKey, remember }

export class ApiError extends Error {
  constructor(status, code, text) {
    super(text);
    this.status = status;
    this.code = code;
  }
}

// Java's URLEncoder.encode(value, "UTF-8") with "+" as %20: only A-Z a-z 0-9 . - * _ stay as they are.
export function javaEncode(value) {
  let out = "";
  for (const byte of new TextEncoder().encode(String(value))) {
    const ch = String.fromCharCode(byte);
    out += byte < 128 && JAVA_SAFE.test(ch) ? ch : "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

// CloudStack's canonical string: names sorted as sent, name=ENC(value) joined by &, the whole lowercased.
export function stringToSign(pairs) {
  const sorted = pairs.filter(([name]) => name.toLowerCase() !== "signature")
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return sorted.map(([name, value]) => `${name}=${javaEncode(value)}`).join("&").toLowerCase();
}

export function checkNames(pairs) {
  const seen = new Set();
  for (const [name] of pairs) {
    if (!NAME.test(name)) throw new Error(`parameter name not allowed: ${name}`);
    if (seen.has(name.toLowerCase())) throw new Error(`parameter given twice: ${name}`);
    seen.add(name.toLowerCase());
  }
}

function base64(buffer) {
  return btoa(String.fromCharCode(...new Uint8Array(buffer)));
}

async function importSecret(secret) {
  const raw = new TextEncoder().encode(secret);
  return crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
}

export async function sign(text, key) {
  return base64(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(text)));
}

export function expiresAt(now = new Date()) {
  return new Date(now.getTime() + EXPIRES_AHEAD_MS).toISOString().replace(/\.\d{3}Z$/, "+0000");
}

async function signedQuery(params) {
  const pairs = [...Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== "")
    .map(([n, v]) => [n, String(v)]),
    ["response", "json"], ["apiKey", session.apikey], ["signatureVersion", "3"], ["expires", expiresAt()]];
  checkNames(pairs);
  pairs.push(["signature", await sign(stringToSign(pairs), session.key)]);
  return pairs.map(([n, v]) => `${encodeURIComponent(n)}=${encodeURIComponent(v)}`).join("&");
}

// Numbers keep the text they were sent as (JSON.parse source access), so a hash over them is recomputed from
// exactly what the server serialized (1.0 stays 1.0, large integers stay exact).
export class RawNumber {
  constructor(source, value) {
    this.source = source;
    this.value = value;
  }
  valueOf() {
    return this.value;
  }
  toString() {
    return this.source;
  }
}

export function parseExact(text) {
  return JSON.parse(text, (key, value, context) =>
    typeof value === "number" ? new RawNumber(context?.source ?? String(value), value) : value);
}

// One signed GET; answers the object under the response's root, raises ApiError with the server's text.
export async function call(command, params = {}, { exact = false } = {}) {
  if (!session) throw new ApiError(401, 401, "Not signed in");
  const query = await signedQuery({ command, ...params });
  const reply = await fetch(`${ENDPOINT}?${query}`, { credentials: "omit", cache: "no-store" });
  const text = await reply.text();
  let body;
  try {
    body = exact ? parseExact(text) : JSON.parse(text);
  } catch {
    throw new ApiError(reply.status, reply.status, `unreadable answer (HTTP ${reply.status})`);
  }
  const inner = body && typeof body === "object" ? Object.values(body)[0] ?? {} : {};
  if (!reply.ok) {
    throw new ApiError(reply.status, Number(inner.errorcode ?? reply.status),
                       String(inner.errortext ?? reply.headers.get("X-Description") ?? `HTTP ${reply.status}`));
  }
  return inner;
}

export async function signIn(apikey, secret, remember) {
  session = { apikey, key: await importSecret(secret), remember };
  if (remember) sessionStorage.setItem(STORE, JSON.stringify({ apikey, secret }));
  else sessionStorage.removeItem(STORE);
}

export async function resume() {
  const saved = sessionStorage.getItem(STORE);
  if (!saved) return false;
  try {
    const { apikey, secret } = JSON.parse(saved);
    await signIn(apikey, secret, true);
    return true;
  } catch {
    sessionStorage.removeItem(STORE);
    return false;
  }
}

export function signOut() {
  session = null;
  sessionStorage.removeItem(STORE);
}

export function apikey() {
  return session?.apikey ?? "";
}
