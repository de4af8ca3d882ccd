/**
 * Reading a PDF just far enough to append an incremental update (ISO 32000-1 §7.5.6): the cross-reference
 * table, the trailer, and the dictionaries of the catalog and a page, with the byte span of each value so an
 * entry can be added or replaced without re-serialising anything else.
 *
 * Classic cross-reference tables only (what pdfkit and this module write); a file with cross-reference streams is
 * refused rather than misread.
 */

export type PdfValue =
  | { type: 'number'; value: number }
  | { type: 'boolean'; value: boolean }
  | { type: 'null' }
  | { type: 'name'; value: string }
  | { type: 'string'; raw: Buffer }
  | { type: 'ref'; num: number; gen: number }
  | { type: 'array'; items: Spanned[] }
  | { type: 'dict'; entries: Map<string, Spanned> }
  | { type: 'keyword'; value: string };

export interface Spanned {
  value: PdfValue;
  start: number;
  end: number;
}

const WHITESPACE = new Set([0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]);
const DELIMITERS = new Set([0x28, 0x29, 0x3c, 0x3e, 0x5b, 0x5d, 0x7b, 0x7d, 0x2f, 0x25]);
/** Whether the byte (undefined past the end) is PDF whitespace, or a delimiter. */
const isWhitespace = (c: number | undefined): boolean => c !== undefined && WHITESPACE.has(c);
const isDelimiter = (c: number | undefined): boolean => c !== undefined && DELIMITERS.has(c);

export class PdfSyntaxError extends Error {}

export class PdfReader {
  constructor(readonly bytes: Buffer) {}

  private skipSpace(pos: number): number {
    const b = this.bytes;
    for (;;) {
      while (isWhitespace(b[pos])) pos++;
      if (b[pos] === 0x25) {
        while (pos < b.length && b[pos] !== 0x0a && b[pos] !== 0x0d) pos++;
        continue;
      }
      return pos;
    }
  }

  private regular(pos: number): number {
    const b = this.bytes;
    while (pos < b.length && !isWhitespace(b[pos]) && !isDelimiter(b[pos])) pos++;
    return pos;
  }

  /** Parses one value starting at or after `pos`. */
  value(pos: number): Spanned {
    const b = this.bytes;
    const start = this.skipSpace(pos);
    const c = b[start];
    if (c === undefined) throw new PdfSyntaxError('unexpected end of file');
    if (c === 0x3c && b[start + 1] === 0x3c) {
      const entries = new Map<string, Spanned>();
      let p = start + 2;
      for (;;) {
        p = this.skipSpace(p);
        if (b[p] === 0x3e && b[p + 1] === 0x3e) return { value: { type: 'dict', entries }, start, end: p + 2 };
        const key = this.value(p);
        if (key.value.type !== 'name') throw new PdfSyntaxError(`dictionary key expected at ${p}`);
        const val = this.value(key.end);
        entries.set(key.value.value, val);
        p = val.end;
      }
    }
    if (c === 0x5b) {
      const items: Spanned[] = [];
      let p = start + 1;
      for (;;) {
        p = this.skipSpace(p);
        if (b[p] === 0x5d) return { value: { type: 'array', items }, start, end: p + 1 };
        const item = this.value(p);
        items.push(item);
        p = item.end;
      }
    }
    if (c === 0x2f) {
      const end = this.regular(start + 1);
      const name = b
        .toString('latin1', start + 1, end)
        .replace(/#([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
      return { value: { type: 'name', value: name }, start, end };
    }
    if (c === 0x28) {
      let depth = 0;
      let p = start;
      for (; p < b.length; p++) {
        const ch = b[p];
        if (ch === 0x5c) p++;
        else if (ch === 0x28) depth++;
        else if (ch === 0x29 && --depth === 0) break;
      }
      return { value: { type: 'string', raw: b.subarray(start, p + 1) }, start, end: p + 1 };
    }
    if (c === 0x3c) {
      const end = b.indexOf(0x3e, start);
      if (end < 0) throw new PdfSyntaxError('unterminated hex string');
      return { value: { type: 'string', raw: b.subarray(start, end + 1) }, start, end: end + 1 };
    }
    const end = this.regular(start);
    if (end === start) throw new PdfSyntaxError(`unexpected byte 0x${c.toString(16)} at ${start}`);
    const token = b.toString('latin1', start, end);
    if (/^[+-]?(\d+\.?\d*|\.\d+)$/.test(token)) {
      // An integer followed by another and R is an indirect reference.
      if (/^\d+$/.test(token)) {
        const p2 = this.skipSpace(end);
        const e2 = this.regular(p2);
        const gen = b.toString('latin1', p2, e2);
        if (/^\d+$/.test(gen)) {
          const p3 = this.skipSpace(e2);
          if (b[p3] === 0x52 && (p3 + 1 >= b.length || isWhitespace(b[p3 + 1]) || isDelimiter(b[p3 + 1]))) {
            return { value: { type: 'ref', num: Number(token), gen: Number(gen) }, start, end: p3 + 1 };
          }
        }
      }
      return { value: { type: 'number', value: Number(token) }, start, end };
    }
    if (token === 'true' || token === 'false') return { value: { type: 'boolean', value: token === 'true' }, start, end };
    if (token === 'null') return { value: { type: 'null' }, start, end };
    return { value: { type: 'keyword', value: token }, start, end };
  }

  private expectKeyword(pos: number, keyword: string): number {
    const p = this.skipSpace(pos);
    const end = this.regular(p);
    if (this.bytes.toString('latin1', p, end) !== keyword) throw new PdfSyntaxError(`expected '${keyword}' at ${p}`);
    return end;
  }

  /** The value of the indirect object at `offset` ("n g obj … endobj"). */
  objectAt(offset: number, num: number): Spanned {
    const head = this.value(offset);
    if (head.value.type !== 'number' || head.value.value !== num) throw new PdfSyntaxError(`object ${num} is not at ${offset}`);
    const gen = this.value(head.end);
    const afterObj = this.expectKeyword(gen.end, 'obj');
    return this.value(afterObj);
  }

  /** Offset given by the last `startxref`. */
  startXref(): number {
    // Readers ignore bytes after the last %%EOF, so the last startxref counts even if something trails it.
    const tail = this.bytes.toString('latin1', Math.max(0, this.bytes.length - 4096));
    const m = /startxref\s+(\d+)\s+%%EOF(?![\s\S]*startxref)/.exec(tail);
    if (!m) throw new PdfSyntaxError('no startxref at the end of the file');
    return Number(m[1]);
  }

  /**
   * Walks the cross-reference sections from the newest through /Prev; returns the object offsets (newest wins) and
   * the newest trailer.
   */
  crossReference(): { offsets: Map<number, number>; trailer: Map<string, Spanned>; startXref: number } {
    const offsets = new Map<number, number>();
    const startXref = this.startXref();
    let trailer: Map<string, Spanned> | undefined;
    const seen = new Set<number>();
    for (let at: number | undefined = startXref; at !== undefined;) {
      if (seen.has(at)) throw new PdfSyntaxError('cross-reference sections loop');
      seen.add(at);
      const p = this.skipSpace(at);
      if (this.bytes.toString('latin1', p, p + 4) !== 'xref') {
        throw new PdfSyntaxError('cross-reference streams are not supported; expected a classic xref table');
      }
      let pos = p + 4;
      for (;;) {
        const first = this.value(pos);
        if (first.value.type === 'keyword' && first.value.value === 'trailer') {
          pos = first.end;
          break;
        }
        const count = this.value(first.end);
        if (first.value.type !== 'number' || count.value.type !== 'number') throw new PdfSyntaxError('bad xref subsection header');
        let entry = this.skipSpace(count.end);
        for (let i = 0; i < count.value.value; i++) {
          const line = this.bytes.toString('latin1', entry, entry + 18);
          const m = /^(\d{10}) (\d{5}) ([nf])/.exec(line);
          if (!m) throw new PdfSyntaxError(`bad xref entry at ${entry}`);
          const num = first.value.value + i;
          if (m[3] === 'n' && !offsets.has(num)) offsets.set(num, Number(m[1]));
          if (m[3] === 'f' && !offsets.has(num)) offsets.set(num, -1);
          entry = this.skipSpace(entry + 18);
        }
        pos = entry;
      }
      const dict = this.value(pos);
      if (dict.value.type !== 'dict') throw new PdfSyntaxError('trailer is not a dictionary');
      trailer ??= dict.value.entries;
      if (dict.value.entries.has('XRefStm')) throw new PdfSyntaxError('hybrid files with cross-reference streams are not supported');
      const prev = dict.value.entries.get('Prev');
      at = prev?.value.type === 'number' ? prev.value.value : undefined;
    }
    for (const [num, off] of offsets) if (off < 0) offsets.delete(num);
    if (!trailer) throw new PdfSyntaxError('no trailer');
    return { offsets, trailer, startXref };
  }
}

export function refOf(s: Spanned | undefined): { num: number; gen: number } | undefined {
  return s?.value.type === 'ref' ? { num: s.value.num, gen: s.value.gen } : undefined;
}

export function nameOf(s: Spanned | undefined): string | undefined {
  return s?.value.type === 'name' ? s.value.value : undefined;
}

/** A PDF text string in UTF-16BE with BOM as a hex string, so any Chinese text is safe (ISO 32000-1 §7.9.2.2). */
export function pdfTextString(text: string): string {
  const utf16 = Buffer.from(text, 'utf16le').swap16();
  return `<FEFF${utf16.toString('hex').toUpperCase()}>`;
}

/** PDF date (ISO 32000-1 §7.9.4) in UTC. */
export function pdfDate(date: Date): string {
  const iso = date.toISOString();
  return `D:${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}
