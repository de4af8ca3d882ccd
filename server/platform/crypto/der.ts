/**
 * Just enough DER (X.690) to write and read certificates, CMS SignedData, SM2 signatures and SM2 keys: the one DER
 * writer and reader of the platform.
 *
 * Why hand-rolled rather than pkijs/asn1js or @peculiar/x509: those build on WebCrypto, which has no SM2 or SM3,
 * so the SM2 option would need engine hooks anyway; the structures here are few and fixed (a certificate, a
 * SignedData with one signer); and everything stays synchronous and dependency-free. Encoding mistakes are
 * caught by independent parsers in the tests: poppler's pdfsig (NSS) and `openssl cms`/`openssl x509`.
 */

export interface DerNode {
  tag: number;
  /** Offset of the identifier octet in `source`. */
  start: number;
  /** Offset of the first content octet. */
  contentStart: number;
  end: number;
  source: Buffer;
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let l = length; l > 0; l = Math.floor(l / 256)) bytes.unshift(l & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, ...content: Buffer[]): Buffer {
  const [only, ...more] = content;
  const value = only && more.length === 0 ? only : Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), encodeLength(value.length), value]);
}

export const sequence = (...items: Buffer[]): Buffer => tlv(TAG.SEQUENCE, ...items);

/** SET OF: DER orders the elements by their encodings (X.690 §11.6). */
export function setOf(...items: Buffer[]): Buffer {
  return tlv(TAG.SET, ...[...items].sort(Buffer.compare));
}

/** A non-negative INTEGER from a bigint or from unsigned big-endian bytes. */
export function integer(value: bigint | number | Buffer): Buffer {
  let bytes: Buffer;
  if (Buffer.isBuffer(value)) {
    let i = 0;
    while (i < value.length - 1 && value[i] === 0) i++;
    bytes = value.subarray(i);
    if (bytes.length === 0) bytes = Buffer.from([0]);
  } else {
    const v = BigInt(value);
    if (v < 0n) throw new Error('DER: negative INTEGERs are not used here');
    let hex = v.toString(16);
    if (hex.length % 2) hex = '0' + hex;
    bytes = Buffer.from(hex, 'hex');
  }
  if (bytes.readUInt8(0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(TAG.INTEGER, bytes);
}

export function oid(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split('.').map((a) => BigInt(a));
  if (first === undefined || second === undefined) throw new Error(`DER: bad OID ${dotted}`);
  const out: number[] = [];
  const pushArc = (arc: bigint) => {
    const chunk: number[] = [Number(arc & 0x7fn)];
    for (let a = arc >> 7n; a > 0n; a >>= 7n) chunk.unshift(0x80 | Number(a & 0x7fn));
    out.push(...chunk);
  };
  pushArc(first * 40n + second);
  for (const arc of rest) pushArc(arc);
  return tlv(TAG.OID, Buffer.from(out));
}

export const octetString = (bytes: Buffer): Buffer => tlv(TAG.OCTET_STRING, bytes);
export const bitString = (bytes: Buffer): Buffer => tlv(TAG.BIT_STRING, Buffer.from([0]), bytes);
export const nullValue = (): Buffer => Buffer.from([TAG.NULL, 0]);
export const boolean = (value: boolean): Buffer => Buffer.from([TAG.BOOLEAN, 1, value ? 0xff : 0]);
export const utf8String = (text: string): Buffer => tlv(TAG.UTF8_STRING, Buffer.from(text, 'utf8'));
export const printableString = (text: string): Buffer => {
  if (!/^[A-Za-z0-9 '()+,\-./:=?]*$/.test(text)) throw new Error(`DER: "${text}" is not a PrintableString`);
  return tlv(TAG.PRINTABLE_STRING, Buffer.from(text, 'latin1'));
};
/** [n] EXPLICIT: the inner encoding wrapped in a constructed context tag. */
export const explicit = (n: number, inner: Buffer): Buffer => tlv(0xa0 | n, inner);
/** [n] IMPLICIT over an encoding: the same content under a context tag, keeping the constructed bit. */
export function implicit(n: number, encoded: Buffer): Buffer {
  const node = parseDer(encoded);
  const constructed = (node.tag & 0x20) !== 0;
  return tlv((constructed ? 0xa0 : 0x80) | n, contentOf(node));
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; always UTC with seconds. */
export function time(date: Date): Buffer {
  const iso = date.toISOString();
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  const year = date.getUTCFullYear();
  if (year >= 1950 && year < 2050) return tlv(TAG.UTC_TIME, Buffer.from(digits.slice(2) + 'Z', 'latin1'));
  return tlv(TAG.GENERALIZED_TIME, Buffer.from(digits + 'Z', 'latin1'));
}

// ---------------------------------------------------------------------------------------------------------------
// Reading

/**
 * Reads one element. `strict` also refuses non-minimal lengths, for encodings that must have exactly one form
 * (an SM2 signature, a key); certificates and CMS from elsewhere are read as found.
 */
export function parseDer(source: Buffer, offset = 0, limit = source.length, strict = false): DerNode {
  if (offset + 2 > limit) throw new Error('DER: truncated');
  const tag = source.readUInt8(offset);
  if ((tag & 0x1f) === 0x1f) throw new Error('DER: multi-byte tags are not used here');
  let length = source.readUInt8(offset + 1);
  let pos = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) throw new Error('DER: indefinite or oversized length');
    if (pos + count > limit) throw new Error('DER: truncated');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + source.readUInt8(pos + i);
    if (strict && (source[pos] === 0 || length < 0x80)) throw new Error('DER: non-minimal length');
    pos += count;
  }
  if (pos + length > limit) throw new Error('DER: truncated');
  return { tag, start: offset, contentStart: pos, end: pos + length, source };
}

/** Parses exactly one element filling `bytes`. */
export function parseDerExact(bytes: Buffer, expectedTag?: number, strict = false): DerNode {
  const node = parseDer(bytes, 0, bytes.length, strict);
  if (node.end !== bytes.length) throw new Error('DER: trailing bytes');
  if (expectedTag !== undefined) expectTag(node, expectedTag);
  return node;
}

export function childrenOf(node: DerNode, strict = false): DerNode[] {
  const out: DerNode[] = [];
  for (let pos = node.contentStart; pos < node.end;) {
    const child = parseDer(node.source, pos, node.end, strict);
    out.push(child);
    pos = child.end;
  }
  return out;
}

export const contentOf = (node: DerNode): Buffer => node.source.subarray(node.contentStart, node.end);
export const encodingOf = (node: DerNode): Buffer => node.source.subarray(node.start, node.end);

export function expectTag(node: DerNode | undefined, tag: number): DerNode {
  if (!node) throw new Error(`DER: missing element (tag 0x${tag.toString(16)})`);
  if (node.tag !== tag) throw new Error(`DER: expected tag 0x${tag.toString(16)}, found 0x${node.tag.toString(16)}`);
  return node;
}

/** An OID in dotted form; `strict` refuses an empty, truncated or non-minimally encoded one. */
export function readOid(node: DerNode | undefined, strict = false): string {
  const v = contentOf(expectTag(node, TAG.OID));
  if (strict && v.length === 0) throw new Error('DER: empty OID');
  const arcs: bigint[] = [];
  let acc = 0n;
  for (const [i, byte] of v.entries()) {
    if (strict && acc === 0n && byte === 0x80) throw new Error('DER: non-minimal OID arc');
    if (strict && byte & 0x80 && i === v.length - 1) throw new Error('DER: truncated OID');
    acc = (acc << 7n) | BigInt(byte & 0x7f);
    if (!(byte & 0x80)) {
      arcs.push(acc);
      acc = 0n;
    }
  }
  const first = arcs.shift() ?? 0n;
  const head = first < 80n ? [first / 40n, first % 40n] : [2n, first - 80n];
  return [...head, ...arcs].join('.');
}

export function readInteger(node: DerNode | undefined): bigint {
  const v = contentOf(expectTag(node, TAG.INTEGER));
  if (v.length === 0) throw new Error('DER: empty INTEGER');
  let n = BigInt('0x' + v.toString('hex'));
  if (v.readUInt8(0) & 0x80) n -= 1n << BigInt(v.length * 8);
  return n;
}

/** A non-negative INTEGER in its one minimal encoding (signatures and keys: one value, one encoding). */
export function readCanonicalUnsigned(node: DerNode | undefined): bigint {
  const v = contentOf(expectTag(node, TAG.INTEGER));
  if (v.length === 0) throw new Error('DER: empty INTEGER');
  if (v.readUInt8(0) & 0x80) throw new Error('DER: negative INTEGER');
  if (v.length > 1 && v[0] === 0 && !(v.readUInt8(1) & 0x80)) throw new Error('DER: non-minimal INTEGER');
  return BigInt('0x' + v.toString('hex'));
}

export function readBitString(node: DerNode | undefined): Buffer {
  const v = contentOf(expectTag(node, TAG.BIT_STRING));
  if (v[0] !== 0) throw new Error('DER: BIT STRING with unused bits');
  return v.subarray(1);
}

export function readTime(node: DerNode | undefined): Date {
  if (!node) throw new Error('DER: missing Time');
  const text = contentOf(node).toString('latin1');
  const m = /^(\d{2}|\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m || (node.tag !== TAG.UTC_TIME && node.tag !== TAG.GENERALIZED_TIME)) throw new Error('DER: bad Time');
  let year = Number(m[1]);
  if (node.tag === TAG.UTC_TIME) year += year < 50 ? 2000 : 1900;
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}

// ---------------------------------------------------------------------------------------------------------------
// PEM

export function toPem(label: string, der: Buffer): string {
  const b64 = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** Every PEM block in `text`, in order (a chain file holds several). */
export function pemBlocks(text: string): { label: string; der: Buffer }[] {
  const out: { label: string; der: Buffer }[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const [, label = '', b64 = ''] = m;
    const body = b64.replace(/\s+/g, '');
    const der = Buffer.from(body, 'base64');
    if (der.toString('base64') !== body) throw new Error(`PEM: bad base64 in ${label}`);
    out.push({ label, der });
  }
  return out;
}
