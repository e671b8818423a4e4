// The hash chain, checked in the page: each event's hash recomputed exactly as chalicelib/core/events.py
// content_hash does (sha256 of json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False) over
// stream, seq, type, schema, at, actor, data and the previous event's hash, 64 zeros for the first).
import { RawNumber } from "./api.js";

export const GENESIS = "0".repeat(64);

// Python sorts keys by code point; JavaScript's default sort compares UTF-16 units (astral keys differ).
function byCodePoint(a, b) {
  const x = Array.from(a, (c) => c.codePointAt(0));
  const y = Array.from(b, (c) => c.codePointAt(0));
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

// Python's json.dumps with ensure_ascii=False escapes ", \, \b \f \n \r \t and other controls as \u00xx,
// exactly as JSON.stringify does for strings.
export function canonical(value) {
  if (value === null || value === undefined) return "null";
  if (value === true) return "true";
  if (value === false) return "false";
  if (value instanceof RawNumber) return value.source;
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return "[" + value.map(canonical).join(",") + "]";
  const keys = Object.keys(value).sort(byCodePoint);
  return "{" + keys.map((k) => JSON.stringify(k) + ":" + canonical(value[k])).join(",") + "}";
}

export function hashBody(event, previous) {
  const { stream, seq, type, schema, at, actor, data } = event;
  return canonical({ stream, seq, type, schema, at, actor, data, previous });
}

export async function sha256Hex(text) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

// Answers { ok, links: [{seq, expected, ok}], broken: {seq, type, reason} | null } for a job's events.
export async function verifyChain(events, stream) {
  const links = [];
  let broken = null;
  let previous = GENESIS;
  for (const [index, event] of events.entries()) {
    const seq = Number(event.seq);
    const expected = await sha256Hex(hashBody(event, previous));
    let reason = null;
    if (event.stream !== stream) reason = `belongs to stream ${event.stream}, not ${stream}`;
    else if (seq !== index + 1) reason = `has seq ${seq} where seq ${index + 1} was expected (an event is missing or inserted)`;
    else if (expected !== event.hash) {
      reason = index === 0 ? "its content does not match its hash"
                           : `its content or its link to seq ${index} does not match its hash`;
    }
    links.push({ seq, expected, ok: reason === null });
    if (reason !== null && broken === null) broken = { seq, type: String(event.type), reason };
    previous = String(event.hash ?? "");
  }
  return { ok: broken === null && events.length > 0, links, broken };
}
