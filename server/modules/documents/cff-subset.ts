/**
 * A CFF subsetter that desubroutinizes: the subset's glyphs carry their outlines inline and the font has no
 * subroutines at all.
 *
 * Why not fontkit's own subsetter: to keep subroutine numbers valid it keeps every subroutine index of the font and
 * blanks the unused ones; Source Han Sans has ~40,000 local subroutines, so even a nine-glyph subset came out at
 * 84 KB (49 KB deflated) and took ~60 ms per document. Inlining the subroutines of the few hundred glyphs a policy
 * uses gives a small font program (Type 2 charstrings, TN 5176/5177) in a few milliseconds.
 *
 * The output is always CID-keyed (ROS Adobe-Identity-0): subset glyph i has CID i, which is what the PDF's
 * Identity-H encoding and CIDFontType0C font program expect (ISO 32000-1 §9.7.4.2).
 */

import { must } from '../../platform/errors.js';

interface Index {
  count: number;
  /** Absolute [start, end) of each element. */
  items: Array<[number, number]>;
  end: number;
}

interface DictEntry {
  /** Operator: one byte, or 1200 + second byte for escaped operators. */
  op: number;
  operands: number[];
  /** The operand bytes exactly as in the font, to copy entries unchanged. */
  raw: Buffer;
}

interface FontDictInfo {
  /** Entries of the font DICT other than Private and FontName. */
  entries: DictEntry[];
  privateEntries: DictEntry[];
  localSubrs: Index | undefined;
}

const OP_ROS = 1230;
const OP_CIDCOUNT = 1234;
const OP_FDARRAY = 1236;
const OP_FDSELECT = 1237;
const OP_FONTNAME = 1238;
const OP_CHARSTRINGS = 17;
const OP_PRIVATE = 18;
const OP_SUBRS = 19;
const OP_CHARSTRING_TYPE = 1206;

function readIndex(buf: Buffer, pos: number): Index {
  const count = buf.readUInt16BE(pos);
  if (count === 0) return { count, items: [], end: pos + 2 };
  const offSize = buf.readUInt8(pos + 2);
  const offsetsStart = pos + 3;
  const dataStart = offsetsStart + (count + 1) * offSize - 1;
  const readOffset = (i: number) => buf.readUIntBE(offsetsStart + i * offSize, offSize);
  const items: Array<[number, number]> = [];
  let prev = readOffset(0);
  for (let i = 1; i <= count; i++) {
    const next = readOffset(i);
    items.push([dataStart + prev, dataStart + next]);
    prev = next;
  }
  return { count, items, end: dataStart + prev };
}

function readDict(buf: Buffer, start: number, end: number): DictEntry[] {
  const entries: DictEntry[] = [];
  let operands: number[] = [];
  let operandsStart = start;
  let pos = start;
  while (pos < end) {
    const b0 = buf.readUInt8(pos);
    if (b0 <= 21) {
      let op = b0;
      const opStart = pos;
      pos++;
      if (b0 === 12) op = 1200 + buf.readUInt8(pos++);
      entries.push({ op, operands, raw: buf.subarray(operandsStart, opStart) });
      operands = [];
      operandsStart = pos;
    } else if (b0 === 28) {
      operands.push(buf.readInt16BE(pos + 1));
      pos += 3;
    } else if (b0 === 29) {
      operands.push(buf.readInt32BE(pos + 1));
      pos += 5;
    } else if (b0 === 30) {
      // Real number: nibbles up to an 0xf terminator. Only copied raw, never interpreted.
      pos++;
      for (;;) {
        const b = buf.readUInt8(pos++);
        if ((b & 0x0f) === 0x0f || b >> 4 === 0x0f) break;
      }
      operands.push(Number.NaN);
    } else if (b0 >= 32 && b0 <= 246) {
      operands.push(b0 - 139);
      pos++;
    } else if (b0 >= 247 && b0 <= 250) {
      operands.push((b0 - 247) * 256 + buf.readUInt8(pos + 1) + 108);
      pos += 2;
    } else if (b0 >= 251 && b0 <= 254) {
      operands.push(-(b0 - 251) * 256 - buf.readUInt8(pos + 1) - 108);
      pos += 2;
    } else throw new Error(`CFF: bad DICT byte ${b0}`);
  }
  return entries;
}

function subrBias(count: number): number {
  return count < 1240 ? 107 : count < 33900 ? 1131 : 32768;
}

/** A parsed CFF font program (the `CFF ` table of an OpenType font), ready to cut subsets from. */
export class CffFont {
  private readonly buf: Buffer;
  private readonly charStrings: Index;
  private readonly globalSubrs: Index;
  private readonly fontDicts: FontDictInfo[];
  private readonly fdSelect: (gid: number) => number;
  readonly name: string;
  readonly topEntries: DictEntry[];

  constructor(cffTable: Buffer) {
    const buf = cffTable;
    this.buf = buf;
    const hdrSize = buf.readUInt8(2);
    const names = readIndex(buf, hdrSize);
    const [nameSpan] = names.items;
    if (!nameSpan) throw new Error('CFF: no font name');
    const [n0, n1] = nameSpan;
    this.name = buf.subarray(n0, n1).toString('latin1');
    const topDicts = readIndex(buf, names.end);
    const strings = readIndex(buf, topDicts.end);
    this.globalSubrs = readIndex(buf, strings.end);
    const [topSpan] = topDicts.items;
    if (!topSpan) throw new Error('CFF: no Top DICT');
    const [t0, t1] = topSpan;
    this.topEntries = readDict(buf, t0, t1);
    const top = new Map(this.topEntries.map((e) => [e.op, e.operands]));
    const charstringType = top.get(OP_CHARSTRING_TYPE)?.[0] ?? 2;
    if (charstringType !== 2) throw new Error('CFF: only Type 2 charstrings are supported');
    const charStringsOffset = top.get(OP_CHARSTRINGS)?.[0];
    if (charStringsOffset === undefined) throw new Error('CFF: no CharStrings');
    this.charStrings = readIndex(buf, charStringsOffset);

    const readFontDict = (entries: DictEntry[]): FontDictInfo => {
      const priv = entries.find((e) => e.op === OP_PRIVATE);
      let privateEntries: DictEntry[] = [];
      let localSubrs: Index | undefined;
      if (priv) {
        const [size, offset] = priv.operands as [number, number];
        privateEntries = readDict(buf, offset, offset + size);
        const subrs = privateEntries.find((e) => e.op === OP_SUBRS);
        const subrsOffset = subrs?.operands[0];
        if (subrsOffset !== undefined) localSubrs = readIndex(buf, offset + subrsOffset);
      }
      return {
        entries: entries.filter((e) => e.op !== OP_PRIVATE && e.op !== OP_FONTNAME),
        privateEntries: privateEntries.filter((e) => e.op !== OP_SUBRS),
        localSubrs,
      };
    };

    const fdArrayOffset = top.get(OP_FDARRAY)?.[0];
    if (top.has(OP_ROS) && fdArrayOffset !== undefined) {
      const fdArray = readIndex(buf, fdArrayOffset);
      this.fontDicts = fdArray.items.map(([s, e]) => readFontDict(readDict(buf, s, e)));
      const fdSelectOffset = top.get(OP_FDSELECT)?.[0];
      if (fdSelectOffset === undefined) throw new Error('CFF: CID font without FDSelect');
      this.fdSelect = this.readFdSelect(fdSelectOffset);
    } else {
      // Name-keyed font: its one Private DICT becomes the subset's only font DICT.
      this.fontDicts = [readFontDict(this.topEntries.filter((e) => e.op === OP_PRIVATE))];
      this.fdSelect = () => 0;
    }
  }

  private readFdSelect(offset: number): (gid: number) => number {
    const buf = this.buf;
    const format = buf.readUInt8(offset);
    if (format === 0) return (gid) => buf.readUInt8(offset + 1 + gid);
    if (format !== 3) throw new Error(`CFF: FDSelect format ${format} is not supported`);
    const nRanges = buf.readUInt16BE(offset + 1);
    const firsts: number[] = [];
    const fds: number[] = [];
    for (let i = 0; i < nRanges; i++) {
      firsts.push(buf.readUInt16BE(offset + 3 + i * 3));
      fds.push(buf.readUInt8(offset + 5 + i * 3));
    }
    return (gid) => {
      let lo = 0;
      let hi = nRanges - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if ((firsts[mid] ?? Infinity) <= gid) lo = mid;
        else hi = mid - 1;
      }
      return fds[lo] ?? Number.NaN; // no range: no font DICT, which the caller refuses
    };
  }

  /**
   * The glyph's charstring with every callsubr/callgsubr replaced by the subroutine's body. The operand that named
   * the subroutine is dropped; hint mask lengths follow the stem count, which is tracked across subroutines.
   */
  desubroutinize(gid: number): Buffer {
    const [start, end] = this.charStrings.items[gid] ?? [0, 0];
    if (end <= start) throw new Error(`CFF: no glyph ${gid}`);
    const fd = this.fontDicts[this.fdSelect(gid)];
    if (!fd) throw new Error(`CFF: glyph ${gid} names a missing font DICT`);
    const buf = this.buf;
    const out: Buffer[] = [];
    let outLength = 0;
    const emit = (b: Buffer) => {
      out.push(b);
      outLength += b.length;
    };
    const stack: number[] = [];
    // Where the most recent number token sits in `out`, so the subroutine number can be taken back out.
    let lastNumber: { chunk: number; value: number } | undefined;
    let stems = 0;
    let ended = false;
    const local = fd.localSubrs;
    const global = this.globalSubrs;

    const run = (s: number, e: number, depth: number): void => {
      if (depth > 10) throw new Error('CFF: subroutines nested deeper than 10');
      let pos = s;
      while (pos < e && !ended) {
        const b0 = buf.readUInt8(pos);
        if (b0 >= 32 || b0 === 28) {
          let value: number;
          let len: number;
          if (b0 === 28) {
            value = buf.readInt16BE(pos + 1);
            len = 3;
          } else if (b0 <= 246) {
            value = b0 - 139;
            len = 1;
          } else if (b0 <= 250) {
            value = (b0 - 247) * 256 + buf.readUInt8(pos + 1) + 108;
            len = 2;
          } else if (b0 <= 254) {
            value = -(b0 - 251) * 256 - buf.readUInt8(pos + 1) - 108;
            len = 2;
          } else {
            value = buf.readInt32BE(pos + 1) / 65536;
            len = 5;
          }
          stack.push(value);
          emit(buf.subarray(pos, pos + len));
          lastNumber = { chunk: out.length - 1, value };
          pos += len;
          continue;
        }
        if (b0 === 10 || b0 === 29) {
          const subrs = b0 === 10 ? local : global;
          if (!subrs) throw new Error('CFF: callsubr without local subroutines');
          const top = stack.pop();
          if (top === undefined || !lastNumber || lastNumber.chunk !== out.length - 1 || lastNumber.value !== top) {
            throw new Error('CFF: a subroutine number that is not a literal operand');
          }
          outLength -= out.pop()?.length ?? 0; // the operand just emitted, checked above
          lastNumber = undefined;
          const item = subrs.items[top + subrBias(subrs.count)];
          if (!item) throw new Error('CFF: subroutine out of range');
          run(item[0], item[1], depth + 1);
          pos++;
          continue;
        }
        if (b0 === 11) return; // return: back to the caller's bytes
        lastNumber = undefined;
        if (b0 === 1 || b0 === 3 || b0 === 18 || b0 === 23) {
          stems += stack.length >> 1;
          stack.length = 0;
          emit(buf.subarray(pos, pos + 1));
          pos++;
        } else if (b0 === 19 || b0 === 20) {
          // hintmask/cntrmask: arguments left on the stack are an implicit vstem (TN 5177 §4.3).
          stems += stack.length >> 1;
          stack.length = 0;
          const maskBytes = (stems + 7) >> 3;
          emit(buf.subarray(pos, pos + 1 + maskBytes));
          pos += 1 + maskBytes;
        } else if (b0 === 14) {
          emit(buf.subarray(pos, pos + 1));
          ended = true;
        } else if (b0 === 12) {
          emit(buf.subarray(pos, pos + 2));
          stack.length = 0;
          pos += 2;
        } else {
          emit(buf.subarray(pos, pos + 1));
          stack.length = 0;
          pos++;
        }
      }
    };
    run(start, end, 0);
    if (!ended) throw new Error(`CFF: glyph ${gid} has no endchar`);
    return Buffer.concat(out, outLength);
  }

  /**
   * Builds a CID-keyed CFF holding `gids` in that order; gids[0] should be 0 (.notdef). `charString` lets a caller
   * serve desubroutinized charstrings from a cache.
   */
  subset(gids: readonly number[], charString: (gid: number) => Buffer = (gid) => this.desubroutinize(gid)): Buffer {
    const fdMap = new Map<number, number>();
    const fdOrder: number[] = [];
    const fdSelect: number[] = [];
    const charStrings: Buffer[] = [];
    for (const gid of gids) {
      const fd = this.fdSelect(gid);
      let local = fdMap.get(fd);
      if (local === undefined) {
        local = fdOrder.length;
        fdMap.set(fd, local);
        fdOrder.push(fd);
      }
      fdSelect.push(local);
      charStrings.push(charString(gid));
    }
    return writeCidCff({
      name: this.name,
      topEntries: this.topEntries.filter((e) => COPIED_TOP_OPS.has(e.op)),
      fontDicts: fdOrder.map((fd) => must(this.fontDicts[fd], `CFF font DICT ${fd}`)),
      fdSelect,
      charStrings,
    });
  }
}

/** Top DICT entries that still mean the same in the subset; offsets and IDs are written anew. */
const COPIED_TOP_OPS = new Set([
  5, // FontBBox
  1207, // FontMatrix
  1203, // UnderlinePosition
  1204, // UnderlineThickness
  1202, // ItalicAngle
  1201, // isFixedPitch
]);

function writeIndex(items: Buffer[]): Buffer {
  if (items.length === 0) return Buffer.from([0, 0]);
  const dataLength = items.reduce((n, b) => n + b.length, 0);
  const offSize = dataLength + 1 < 0x100 ? 1 : dataLength + 1 < 0x10000 ? 2 : dataLength + 1 < 0x1000000 ? 3 : 4;
  const head = Buffer.alloc(3 + (items.length + 1) * offSize);
  head.writeUInt16BE(items.length, 0);
  head[2] = offSize;
  let offset = 1;
  head.writeUIntBE(offset, 3, offSize);
  items.forEach((item, i) => {
    offset += item.length;
    head.writeUIntBE(offset, 3 + (i + 1) * offSize, offSize);
  });
  return Buffer.concat([head, ...items]);
}

/** A DICT integer in its fixed five-byte form, so offsets can be written before they are known. */
function int32(value: number): Buffer {
  const b = Buffer.alloc(5);
  b[0] = 29;
  b.writeInt32BE(value, 1);
  return b;
}

function operator(op: number): Buffer {
  return op >= 1200 ? Buffer.from([12, op - 1200]) : Buffer.from([op]);
}

function dictBytes(entries: Array<{ op: number; raw: Buffer }>): Buffer {
  return Buffer.concat(entries.flatMap((e) => [e.raw, operator(e.op)]));
}

function writeCidCff(input: {
  name: string;
  topEntries: DictEntry[];
  fontDicts: FontDictInfo[];
  fdSelect: number[];
  charStrings: Buffer[];
}): Buffer {
  const glyphs = input.charStrings.length;
  const header = Buffer.from([1, 0, 4, 4]);
  const nameIndex = writeIndex([Buffer.from(input.name, 'latin1')]);
  // Custom strings start at SID 391 (after the 391 standard strings).
  const stringIndex = writeIndex([Buffer.from('Adobe'), Buffer.from('Identity')]);
  const globalSubrIndex = writeIndex([]);
  // charset: CIDs 1..n-1 for glyphs 1..n-1 (format 2, one range).
  const charset = glyphs > 1 ? Buffer.from([2, 0, 1, (glyphs - 2) >> 8, (glyphs - 2) & 0xff]) : Buffer.from([0]);
  const fdSelect = Buffer.from([0, ...input.fdSelect]);
  const charStringsIndex = writeIndex(input.charStrings);
  const privates = input.fontDicts.map((fd) => ({ fd, bytes: dictBytes(fd.privateEntries) }));

  const topDictFor = (offsets: { charset: number; fdSelect: number; charStrings: number; fdArray: number }) =>
    dictBytes([
      { op: OP_ROS, raw: Buffer.concat([int32(391), int32(392), int32(0)]) },
      ...input.topEntries,
      { op: OP_CIDCOUNT, raw: int32(glyphs) },
      { op: 15, raw: int32(offsets.charset) },
      { op: OP_FDSELECT, raw: int32(offsets.fdSelect) },
      { op: OP_CHARSTRINGS, raw: int32(offsets.charStrings) },
      { op: OP_FDARRAY, raw: int32(offsets.fdArray) },
    ]);
  const fdArrayFor = (placed: Array<{ fd: FontDictInfo; bytes: Buffer; offset: number }>) =>
    writeIndex(
      placed.map(({ fd, bytes, offset }) =>
        dictBytes([...fd.entries, { op: OP_PRIVATE, raw: Buffer.concat([int32(bytes.length), int32(offset)]) }]),
      ),
    );

  const topDictLength = writeIndex([topDictFor({ charset: 0, fdSelect: 0, charStrings: 0, fdArray: 0 })]).length;
  let pos = header.length + nameIndex.length + topDictLength + stringIndex.length + globalSubrIndex.length;
  const charsetOffset = pos;
  pos += charset.length;
  const fdSelectOffset = pos;
  pos += fdSelect.length;
  const charStringsOffset = pos;
  pos += charStringsIndex.length;
  const fdArrayOffset = pos;
  pos += fdArrayFor(privates.map((p) => ({ ...p, offset: 0 }))).length;
  const placed = privates.map((p) => {
    const offset = pos;
    pos += p.bytes.length;
    return { ...p, offset };
  });
  const topDictIndex = writeIndex([
    topDictFor({ charset: charsetOffset, fdSelect: fdSelectOffset, charStrings: charStringsOffset, fdArray: fdArrayOffset }),
  ]);
  return Buffer.concat([
    header,
    nameIndex,
    topDictIndex,
    stringIndex,
    globalSubrIndex,
    charset,
    fdSelect,
    charStringsIndex,
    fdArrayFor(placed),
    ...privates.map((p) => p.bytes),
  ]);
}
