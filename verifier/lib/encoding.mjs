// @ts-check
/**
 * Byte encodings the bundle uses: canonical base64 (RFC 4648 §4, padded), lowercase hex, and a minimal strict DER
 * reader (X.690) for public keys and SM2 signatures. node: built-ins only.
 */

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes canonical base64 (padded, no whitespace, zero padding bits); undefined for anything else, so that one
 * byte string has exactly one text.
 * @param {unknown} text
 * @returns {Buffer | undefined}
 */
export function decodeBase64Strict(text) {
  if (typeof text !== 'string' || !BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

/** @param {Uint8Array} bytes */
export function hex(bytes) {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** @param {Uint8Array} bytes @returns {bigint} */
export function bytesToBigint(bytes) {
  return bytes.length === 0 ? 0n : BigInt('0x' + hex(bytes));
}

/** @param {bigint} x @returns {Buffer} 32 bytes, big-endian */
export function bigintTo32(x) {
  return Buffer.from(x.toString(16).padStart(64, '0'), 'hex');
}

/** No lone UTF-16 surrogates: the string has a UTF-8 encoding (I-JSON, RFC 7493). @param {string} s */
export function isWellFormed(s) {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}

// ---------------------------------------------------------------------------------------------------------------
// DER

/** @typedef {{ tag: number, value: Buffer }} DerNode */

/**
 * Reads one TLV at `offset`: definite, minimal lengths only.
 * @param {Buffer} buf @param {number} offset
 * @returns {{ node: DerNode, next: number }}
 */
function readTlv(buf, offset) {
  if (offset + 2 > buf.length) throw new Error('DER: truncated');
  const tag = /** @type {number} */ (buf[offset]);
  if ((tag & 0x1f) === 0x1f) throw new Error('DER: multi-byte tag');
  let len = /** @type {number} */ (buf[offset + 1]);
  let pos = offset + 2;
  if (len & 0x80) {
    const count = len & 0x7f;
    if (count === 0 || count > 3) throw new Error('DER: bad length');
    if (pos + count > buf.length) throw new Error('DER: truncated');
    if (buf[pos] === 0) throw new Error('DER: non-minimal length');
    len = 0;
    for (let i = 0; i < count; i++) len = len * 256 + /** @type {number} */ (buf[pos + i]);
    if (len < 0x80) throw new Error('DER: non-minimal length');
    pos += count;
  }
  if (pos + len > buf.length) throw new Error('DER: truncated');
  return { node: { tag, value: buf.subarray(pos, pos + len) }, next: pos + len };
}

/**
 * The whole of `buf` as exactly one TLV with tag `tag`.
 * @param {Uint8Array} bytes @param {number} tag @returns {DerNode}
 */
export function derOne(bytes, tag) {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { node, next } = readTlv(buf, 0);
  if (next !== buf.length) throw new Error('DER: trailing bytes');
  if (node.tag !== tag) throw new Error(`DER: expected tag 0x${tag.toString(16)}, got 0x${node.tag.toString(16)}`);
  return node;
}

/** The TLVs inside a constructed value. @param {Buffer} buf @returns {DerNode[]} */
export function derChildren(buf) {
  /** @type {DerNode[]} */
  const out = [];
  let pos = 0;
  while (pos < buf.length) {
    const { node, next } = readTlv(buf, pos);
    out.push(node);
    pos = next;
  }
  return out;
}

/** A non-negative, minimally encoded INTEGER. @param {DerNode | undefined} node @returns {bigint} */
export function derUnsignedInteger(node) {
  if (!node || node.tag !== 0x02) throw new Error('DER: expected an INTEGER');
  const v = node.value;
  if (v.length === 0) throw new Error('DER: empty INTEGER');
  if (/** @type {number} */ (v[0]) & 0x80) throw new Error('DER: negative INTEGER');
  if (v.length > 1 && v[0] === 0 && !(/** @type {number} */ (v[1]) & 0x80)) throw new Error('DER: non-minimal INTEGER');
  return bytesToBigint(v);
}

/** Dotted OID text. @param {DerNode | undefined} node @returns {string} */
export function derOid(node) {
  if (!node || node.tag !== 0x06 || node.value.length === 0) throw new Error('DER: expected an OBJECT IDENTIFIER');
  /** @type {number[]} */
  const arcs = [];
  let acc = 0;
  let fresh = true;
  for (let i = 0; i < node.value.length; i++) {
    const byte = /** @type {number} */ (node.value[i]);
    if (fresh && byte === 0x80) throw new Error('DER: non-minimal OID arc');
    acc = acc * 128 + (byte & 0x7f);
    fresh = false;
    if (!(byte & 0x80)) {
      arcs.push(acc);
      acc = 0;
      fresh = true;
    } else if (i === node.value.length - 1) throw new Error('DER: truncated OID');
  }
  const first = /** @type {number} */ (arcs.shift());
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...arcs].join('.');
}
