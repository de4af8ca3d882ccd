// @ts-check
/**
 * RFC 8785 JSON Canonicalization Scheme, written for the verifier from the RFC (not shared with the server):
 * an entry is accepted only if its bytes are exactly the canonical form of the JSON they hold.
 *
 * RFC 8785 §3.2: no whitespace; object members sorted by the UTF-16 code units of their names (§3.2.3); strings
 * serialised as ECMAScript JSON.stringify does (§3.2.2.2); numbers as ECMAScript Number.prototype.toString (§3.2.2.3);
 * input must be I-JSON (RFC 7493): valid UTF-8, no duplicate names, no lone surrogates.
 */
import { isWellFormed } from './encoding.mjs';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * @param {unknown} value a value from JSON.parse
 * @returns {string}
 */
export function canonicalize(value) {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new Error(`${value} is not a JSON number`);
      // ECMAScript Number::toString is exactly RFC 8785's number serialisation; -0 serialises as 0.
      return Object.is(value, -0) ? '0' : String(value);
    case 'string':
      if (!isWellFormed(value)) throw new Error('a string holds a lone surrogate (not I-JSON)');
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      throw new Error(`a ${typeof value} is not JSON data`);
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalize(v)).join(',')}]`;
  const obj = /** @type {Record<string, unknown>} */ (value);
  // Array.prototype.sort without a comparator orders by UTF-16 code units: RFC 8785 §3.2.3.
  const keys = Object.keys(obj).sort();
  return `{${keys.map((k) => `${canonicalize(k)}:${canonicalize(obj[k])}`).join(',')}}`;
}

/**
 * Checks that `bytes` are RFC 8785 canonical JSON and returns the parsed value, or the reason they are not.
 * Duplicate member names, whitespace, unsorted members, non-canonical escapes or numbers (1.0, 1e2, 0.10),
 * integers beyond 2^53 that do not round-trip, a BOM, or invalid UTF-8 all make the bytes differ from the
 * canonical form and are refused.
 * @param {Uint8Array} bytes
 * @returns {{ ok: true, value: unknown } | { ok: false, reason: string, value?: unknown }}
 */
export function checkCanonical(bytes) {
  let text;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { ok: false, reason: 'the bytes are not valid UTF-8' };
  }
  let value;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, reason: `the bytes are not JSON (${/** @type {Error} */ (e).message})` };
  }
  let canonical;
  try {
    canonical = Buffer.from(canonicalize(value), 'utf8');
  } catch (e) {
    return { ok: false, reason: /** @type {Error} */ (e).message, value };
  }
  if (!canonical.equals(bytes)) {
    return {
      ok: false,
      reason: `the bytes are JSON but not in RFC 8785 canonical form (first difference at byte ${firstDifference(canonical, bytes)})`,
      value,
    };
  }
  return { ok: true, value };
}

/** @param {Uint8Array} a @param {Uint8Array} b */
function firstDifference(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}
