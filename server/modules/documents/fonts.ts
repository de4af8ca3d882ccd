/**
 * The fonts documents print with, and what they can print.
 *
 * Source Han Sans SC (Adobe, SIL Open Font License 1.1) arrives with `npm install` as the package
 * `node-source-han-sans-sc`; no system font is looked for. It is one of the few freely licensed CJK fonts that also
 * covers CJK Extension B (2,361 characters beyond the BMP, e.g. 𠮷 U+20BB7 in the surname 𠮷), so one font serves
 * every field and no per-character fallback chain is needed. Google's Noto Sans SC, by contrast, lacks 𠮷.
 *
 * Glyphs are mapped one code point to one glyph through the cmap, without OpenType shaping: Chinese needs none, it
 * costs most of the rendering time in fontkit's GSUB/GPOS engine, and it keeps the text that comes back out of the
 * PDF exactly the text that went in — each (glyph, code points) pair gets its own glyph in the subset, so even two
 * code points that share an outline (a CJK compatibility ideograph and its unified twin) copy out as themselves.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as fontkit from 'fontkit';
import { must } from '../../platform/errors.js';
import { CffFont } from './cff-subset.js';

/** The code point of one character of a string's iterator (which always has one). */
const codePointOf = (ch: string): number => ch.codePointAt(0) ?? 0;

export type FontWeight = 'regular' | 'bold';

const FONT_PACKAGE = 'node-source-han-sans-sc';
const FONT_FILES: Record<FontWeight, string> = {
  regular: 'SourceHanSansSC-Regular.otf',
  bold: 'SourceHanSansSC-Bold.otf',
};

/** Characters the layout consumes itself (line breaks) and so never need a glyph. */
const LAYOUT_CONTROLS = new Set([0x0a]);

function isVariationSelector(cp: number): boolean {
  return (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef);
}

function sfntTable(file: Buffer, tag: string): Buffer {
  const numTables = file.readUInt16BE(4);
  for (let i = 0; i < numTables; i++) {
    const record = 12 + i * 16;
    if (file.toString('latin1', record, record + 4) === tag) {
      const offset = file.readUInt32BE(record + 8);
      const length = file.readUInt32BE(record + 12);
      return file.subarray(offset, offset + length);
    }
  }
  throw new Error(`font has no '${tag}' table`);
}

interface GlyphEntry {
  gid: number;
  codePoints: number[];
  advanceWidth: number;
}

/** What pdfkit reads from a font object; see EmbeddedFont in pdfkit. */
export interface PdfkitFontLike {
  layout(text: string): { glyphs: PdfkitGlyph[]; positions: PdfkitPosition[]; advanceWidth: number };
  createSubset(): { cff: true; includeGlyph(id: number): number; encode(): Uint8Array };
  getGlyph(id: number): PdfkitGlyph;
  [key: string]: unknown;
}
interface PdfkitGlyph {
  id: number;
  advanceWidth: number;
  codePoints: number[];
}
interface PdfkitPosition {
  xAdvance: number;
  yAdvance: number;
  xOffset: number;
  yOffset: number;
}

/**
 * One face (weight) of the document font: cmap and metrics through fontkit, outlines through the CFF subsetter.
 * One instance per process; it is shared by every document rendered in that process.
 */
export class DocumentFont {
  readonly weight: FontWeight;
  readonly file: string;
  private readonly font: fontkit.Font;
  private readonly cff: CffFont;
  /** Glyph ids handed to pdfkit: an index into `entries`, one per (glyph, code points) pair. */
  private readonly entries: GlyphEntry[] = [];
  private readonly entryByKey = new Map<string, number>();
  /** fontkit's cmap lookup reads the table lazily on every call; a plain code point → entry map is far cheaper. */
  private readonly entryByCodePoint = new Map<number, number>();
  private readonly coverage = new Map<number, boolean>();
  private readonly charStringCache = new Map<number, Buffer>();
  private readonly hmtx: Buffer;
  private readonly numberOfHMetrics: number;
  readonly pdfkitFont: PdfkitFontLike;

  constructor(weight: FontWeight, file: string) {
    this.weight = weight;
    this.file = file;
    const bytes = readFileSync(file);
    const font = fontkit.create(bytes);
    if (!('glyphsForString' in font)) throw new Error(`${file} is a font collection, not a font`);
    this.font = font;
    this.cff = new CffFont(sfntTable(bytes, 'CFF '));
    this.hmtx = sfntTable(bytes, 'hmtx');
    this.numberOfHMetrics = sfntTable(bytes, 'hhea').readUInt16BE(34);
    this.entries.push({ gid: 0, codePoints: [], advanceWidth: this.advanceWidth(0) });
    this.pdfkitFont = this.createPdfkitFont();
  }

  get postscriptName(): string {
    return this.font.postscriptName;
  }

  /** Advance width in font units from hmtx; glyphs past numberOfHMetrics repeat the last advance. */
  private advanceWidth(gid: number): number {
    return this.hmtx.readUInt16BE(4 * Math.min(gid, this.numberOfHMetrics - 1));
  }

  /** The font's own glyph id for a code point (0, .notdef, when it has none). */
  glyphIdOf(codePoint: number): number {
    return this.font.glyphForCodePoint(codePoint).id;
  }

  /** Whether this face has a glyph for the code point (the .notdef glyph does not count). */
  covers(codePoint: number): boolean {
    let covered = this.coverage.get(codePoint);
    if (covered === undefined) {
      covered = this.font.hasGlyphForCodePoint(codePoint);
      this.coverage.set(codePoint, covered);
    }
    return covered;
  }

  private entryFor(gid: number, codePoints: number[]): number {
    const key = `${gid}:${codePoints.join(',')}`;
    let id = this.entryByKey.get(key);
    if (id === undefined) {
      id = this.entries.length;
      this.entries.push({ gid, codePoints, advanceWidth: this.advanceWidth(gid) });
      this.entryByKey.set(key, id);
    }
    return id;
  }

  /** One entry per printed character (a base character and its variation selector count as one). */
  private glyphsOf(text: string): number[] {
    const cps = Array.from(text, codePointOf);
    const out: number[] = [];
    for (let i = 0; i < cps.length; i++) {
      const cp = cps[i] ?? 0;
      const next = cps[i + 1];
      if (next !== undefined && isVariationSelector(next)) {
        const gid = this.font.glyphsForString(String.fromCodePoint(cp, next))[0]?.id ?? 0;
        out.push(this.entryFor(gid, [cp, next]));
        i++;
        continue;
      }
      let id = this.entryByCodePoint.get(cp);
      if (id === undefined) {
        id = this.entryFor(this.font.glyphForCodePoint(cp).id, [cp]);
        this.entryByCodePoint.set(cp, id);
      }
      out.push(id);
    }
    return out;
  }

  private charString(gid: number): Buffer {
    let cs = this.charStringCache.get(gid);
    if (!cs) {
      cs = this.cff.desubroutinize(gid);
      this.charStringCache.set(gid, cs);
    }
    return cs;
  }

  private createPdfkitFont(): PdfkitFontLike {
    const font = this.font;
    const entries = this.entries;
    const cff = this.cff;
    const glyphsOf = (text: string) => this.glyphsOf(text);
    const charString = (gid: number) => this.charString(gid);
    /** The entry of `id`; an unknown id prints as .notdef, entry 0. */
    const entryOf = (id: number) => entries[id] ?? must(entries[0], 'the .notdef entry');
    const glyph = (id: number): PdfkitGlyph => {
      const entry = entryOf(id);
      return { id, advanceWidth: entry.advanceWidth, codePoints: entry.codePoints };
    };
    return {
      postscriptName: font.postscriptName,
      unitsPerEm: font.unitsPerEm,
      ascent: font.ascent,
      descent: font.descent,
      lineGap: font.lineGap,
      xHeight: font.xHeight,
      capHeight: font.capHeight,
      italicAngle: font.italicAngle,
      bbox: font.bbox,
      'OS/2': font['OS/2'],
      post: (font as unknown as { post: unknown }).post,
      head: (font as unknown as { head: unknown }).head,
      getGlyph: glyph,
      layout(text: string) {
        const glyphs: PdfkitGlyph[] = [];
        const positions: PdfkitPosition[] = [];
        let advanceWidth = 0;
        for (const id of glyphsOf(text)) {
          const entry = entryOf(id);
          glyphs.push(glyph(id));
          positions.push({ xAdvance: entry.advanceWidth, yAdvance: 0, xOffset: 0, yOffset: 0 });
          advanceWidth += entry.advanceWidth;
        }
        return { glyphs, positions, advanceWidth };
      },
      createSubset() {
        const ids: number[] = [0];
        const indexOf = new Map<number, number>([[0, 0]]);
        return {
          cff: true as const,
          includeGlyph(id: number): number {
            let index = indexOf.get(id);
            if (index === undefined) {
              index = ids.length;
              ids.push(id);
              indexOf.set(id, index);
            }
            return index;
          },
          encode(): Uint8Array {
            return cff.subset(
              ids.map((id) => entryOf(id).gid),
              charString,
            );
          },
        };
      },
    };
  }
}

let fonts: Record<FontWeight, DocumentFont> | undefined;

function resolveFontFile(name: string): string {
  const require = createRequire(import.meta.url);
  return require.resolve(`${FONT_PACKAGE}/${name}`);
}

/** The document fonts, loaded once per process (each face is ~17 MB; parsing is lazy). */
export function documentFonts(): Record<FontWeight, DocumentFont> {
  fonts ??= {
    regular: new DocumentFont('regular', resolveFontFile(FONT_FILES.regular)),
    bold: new DocumentFont('bold', resolveFontFile(FONT_FILES.bold)),
  };
  return fonts;
}

export interface FontCoverage {
  /** True when every character of the text has a glyph in every face. */
  covered: boolean;
  /** Distinct characters without a glyph, in order of first appearance, with their code points (`U+20BB7`). */
  missing: Array<{ char: string; codePoint: string; faces: FontWeight[] }>;
  /** Distinct characters checked. */
  characters: number;
  /** The faces checked, by PostScript name. */
  fonts: string[];
}

/**
 * Which characters of `text` the embedded fonts can print. A character counts as covered only if both faces have
 * it, since any field may be set in either weight. Line feeds are layout, not glyphs; a variation selector is
 * covered when its base character is (the font then prints the base character's default form).
 */
export function fontCoverage(text: string): FontCoverage {
  const faces = Object.values(documentFonts());
  const seen = new Set<number>();
  const missing: FontCoverage['missing'] = [];
  for (const ch of text) {
    const cp = codePointOf(ch);
    if (seen.has(cp) || LAYOUT_CONTROLS.has(cp) || isVariationSelector(cp)) continue;
    seen.add(cp);
    const lacking = faces.filter((f) => !f.covers(cp)).map((f) => f.weight);
    if (lacking.length > 0) {
      missing.push({ char: ch, codePoint: `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`, faces: lacking });
    }
  }
  return { covered: missing.length === 0, missing, characters: seen.size, fonts: faces.map((f) => f.postscriptName) };
}
