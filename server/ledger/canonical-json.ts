/**
 * RFC 8785 JSON Canonicalization Scheme (JCS) for ledger entries: the exact bytes that are hashed and stored.
 *
 * - Object keys sorted by UTF-16 code units (RFC 8785 §3.2.3), no whitespace, strings escaped as ECMAScript
 *   JSON.stringify does (RFC 8785 §3.2.2.2: `\"`, `\\`, `\b \f \n \r \t`, other controls as lowercase `\u00xx`,
 *   everything else literal), UTF-8 output.
 * - Stricter than RFC 8785 on purpose: numbers must be safe integers. Money in the ledger is integer fen, and a
 *   float that slips into an entry would be hashed forever; decimals travel as strings. NaN, ±Infinity, undefined,
 *   functions, symbols, bigint, Date (pass an ISO string), class instances (Decimal, Buffer, Map, …), sparse arrays,
 *   cycles and lone surrogates (not I-JSON, RFC 7493) are refused with a CanonicalJsonError naming the path.
 *
 * Pure and dependency-free.
 */

/** A value canonical JSON can hold: the ledger's JSON data model. */
export type CanonicalJson = null | boolean | number | string | CanonicalJson[] | { [key: string]: CanonicalJson };

/** A value that cannot be canonicalised; `path` names where, JSONPath-style (`$.premium`, `$.items[2]`). */
export class CanonicalJsonError extends Error {
  readonly path: string;
  constructor(path: string, problem: string) {
    super(`canonical JSON: ${problem} at ${path}`);
    this.name = 'CanonicalJsonError';
    this.path = path;
  }
}

const LONE_SURROGATE = /\p{Cs}/u;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function keyPath(path: string, key: string): string {
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function serializeString(s: string, path: string, what: string): string {
  if (LONE_SURROGATE.test(s)) throw new CanonicalJsonError(path, `${what} holds a lone surrogate (not valid Unicode, RFC 7493)`);
  // JSON.stringify on a well-formed string is exactly RFC 8785's string serialisation.
  return JSON.stringify(s);
}

function describe(value: object): string {
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name ? name : 'an object with a custom prototype';
}

function serialize(value: unknown, path: string, ancestors: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return serializeString(value, path, 'string');
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalJsonError(path, `${value} is not a JSON number`);
      if (!Number.isInteger(value)) {
        throw new CanonicalJsonError(path, `non-integer number ${value} (money is integer fen; send decimals as strings)`);
      }
      if (!Number.isSafeInteger(value)) {
        throw new CanonicalJsonError(path, `integer ${value} is beyond ±(2^53−1) and would not survive a round trip (send it as a string)`);
      }
      return Object.is(value, -0) ? '0' : String(value);
    case 'undefined':
      throw new CanonicalJsonError(path, 'undefined (omit the property or use null)');
    case 'bigint':
      throw new CanonicalJsonError(path, 'bigint (use a safe integer or a decimal string)');
    case 'function':
    case 'symbol':
      throw new CanonicalJsonError(path, `a ${typeof value} is not JSON data`);
    case 'object':
      break;
  }
  if (value === null) return 'null';
  const obj = value as object;
  if (ancestors.has(obj)) throw new CanonicalJsonError(path, 'circular reference');
  if (obj instanceof Date) throw new CanonicalJsonError(path, 'Date (pass an ISO 8601 string)');

  if (Array.isArray(obj)) {
    ancestors.add(obj);
    let out = '[';
    for (let i = 0; i < obj.length; i++) {
      if (!(i in obj)) throw new CanonicalJsonError(`${path}[${i}]`, 'hole in a sparse array');
      if (i > 0) out += ',';
      out += serialize(obj[i], `${path}[${i}]`, ancestors);
    }
    ancestors.delete(obj);
    return `${out}]`;
  }

  const proto = Object.getPrototypeOf(obj) as unknown;
  if (proto !== Object.prototype && proto !== null) throw new CanonicalJsonError(path, `${describe(obj)} is not a plain object`);
  if (Object.getOwnPropertySymbols(obj).length > 0) throw new CanonicalJsonError(path, 'symbol-keyed property');
  ancestors.add(obj);
  // RFC 8785 §3.2.3: sort by UTF-16 code units, which is what the default sort comparison does.
  const keys = Object.keys(obj).sort();
  let out = '{';
  for (const [i, key] of keys.entries()) {
    const at = keyPath(path, key);
    if (i > 0) out += ',';
    out += `${serializeString(key, at, 'key')}:${serialize((obj as Record<string, unknown>)[key], at, ancestors)}`;
  }
  ancestors.delete(obj);
  return `${out}}`;
}

/** RFC 8785 canonical form of `value` as a string. Throws CanonicalJsonError on anything the ledger refuses. */
export function canonicalize(value: unknown): string {
  return serialize(value, '$', new Set());
}

/** RFC 8785 canonical form of `value` as UTF-8 bytes: what a ledger entry stores and hashes. */
export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalize(value), 'utf8');
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Parses stored entry bytes and checks that they are exactly the canonical form of what they hold (valid UTF-8,
 * no BOM, no whitespace, sorted unique keys, integers only, canonical escapes). Throws CanonicalJsonError otherwise:
 * the verifier's check that an entry was never re-serialised.
 */
export function parseCanonical(bytes: Uint8Array): CanonicalJson {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new CanonicalJsonError('$', 'bytes are not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new CanonicalJsonError('$', `not JSON (${(e as Error).message})`);
  }
  const again = canonicalBytes(value);
  if (!again.equals(bytes)) throw new CanonicalJsonError('$', 'bytes are JSON but not in RFC 8785 canonical form');
  return value as CanonicalJson;
}

/** True iff `bytes` are exactly the RFC 8785 canonical form of the JSON they hold (see {@link parseCanonical}). */
export function isCanonical(bytes: Uint8Array): boolean {
  try {
    parseCanonical(bytes);
    return true;
  } catch (e) {
    if (e instanceof CanonicalJsonError) return false;
    throw e;
  }
}
