import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import jsQRModule from 'jsqr';
import PDFDocument from 'pdfkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  documentFonts,
  documentModelSchema,
  fontCoverage,
  printedStrings,
  renderDocument,
  type DocumentModel,
} from '../server/modules/documents/index.js';
import { samplePolicyModel, SAMPLE_NAMES } from '../server/modules/documents/sample-policy.js';
import { isAppError } from '../server/platform/errors.js';
import { lacks } from './helpers/system-tools.js';
import { makeTempDir } from './helpers/temp.js';

// jsqr is a UMD bundle whose module.exports is the function and also carries it as .default, which its types name.
const jsQR = jsQRModule.default;

const work = makeTempDir('documents-render');
afterAll(() => rmSync(work, { recursive: true, force: true }));

let seq = 0;
function writeTemp(pdf: Buffer): string {
  const path = join(work, `doc-${++seq}.pdf`);
  writeFileSync(path, pdf);
  return path;
}

/** `raw` keeps the content stream's order, where pdftotext's default reading order interleaves wrapped columns. */
function pdftotext(pdf: Buffer, mode: 'reading' | 'raw' = 'reading'): string {
  return execFileSync('pdftotext', ['-enc', 'UTF-8', ...(mode === 'raw' ? ['-raw'] : []), writeTemp(pdf), '-'], { encoding: 'utf8' });
}

function minimalModel(text: string): DocumentModel {
  return {
    issuer: '网保人寿保险股份有限公司',
    title: '测试文档',
    createdAt: new Date('2025-03-01T00:00:00Z'),
    sections: [{ heading: '正文', blocks: [{ kind: 'paragraph', text }] }],
    footer: '页脚',
  };
}

describe.skipIf(lacks('pdftotext', 'pdffonts', 'pdftoppm'))(
  'rendered e-policy, read back with poppler (pdftotext, pdffonts, pdftoppm)',
  () => {
    let pdf: Buffer;
    let text: string;
    beforeAll(async () => {
      pdf = await renderDocument(samplePolicyModel());
      text = pdftotext(pdf);
    });

    it('M§22 the e-policy prints every party name exactly as written: 王喆, 李堃, 赵赟 and 𠮷野 (U+20BB7, outside the BMP)', () => {
      const names = [SAMPLE_NAMES.policyholder, SAMPLE_NAMES.insured, ...SAMPLE_NAMES.beneficiaries];
      expect(names).toEqual(['王喆', '李堃', '赵赟', '𠮷野']);
      for (const name of names) expect(text).toContain(name);
      expect(text).toContain('\u{20BB7}野');
      // The look-alike 吉 (U+5409) must not stand in for 𠮷.
      expect(text).not.toContain('吉野');
    });

    it('copies out the policy number, amounts, exclusions and the ledger checkpoint as printed', () => {
      const model = documentModelSchema.parse(samplePolicyModel());
      expect(text).toContain(model.reference!.value);
      expect(text).toContain('8,650.00');
      expect(text).toContain('战争、军事冲突、暴乱或武装叛乱');
      expect(text.replace(/\s+/g, '')).toContain(model.footer.replace(/\s+/g, ''));
      // The cash-value table's twentieth row, possibly carried to the next page with its header repeated.
      expect(text).toContain('第20年末');
    });

    it('every printed string of the model comes back out of the PDF (whitespace aside)', () => {
      const flat = pdftotext(pdf, 'raw').replace(/\s+/g, '');
      const model = documentModelSchema.parse(samplePolicyModel());
      const missing = printedStrings(model)
        .filter((s) => s.path !== 'pageCounter')
        .filter((s) => !flat.includes(s.text.replace(/\s+/g, '')));
      expect(missing).toEqual([]);
    });

    it('embeds both faces as subsets with a ToUnicode map, and the file stays small', () => {
      const fonts = execFileSync('pdffonts', [writeTemp(pdf)], { encoding: 'utf8' });
      const rows = fonts.split('\n').filter((l) => l.includes('SourceHanSansSC'));
      expect(rows).toHaveLength(2);
      for (const row of rows) {
        expect(row).toMatch(/^[A-Z]{6}\+SourceHanSansSC-(Regular|Bold)\s+CID Type 0C\s+Identity-H\s+yes yes yes/);
      }
      // The font files are 17 MB each; a subset policy is a few tens of kilobytes.
      expect(pdf.length).toBeLessThan(200 * 1024);
    });

    it('renders pages poppler rasterizes without complaint (the subset font programs are well-formed)', () => {
      const out = join(work, 'raster');
      const run = spawnSync('pdftoppm', ['-r', '40', '-gray', writeTemp(pdf), out], { encoding: 'utf8' });
      expect(run.status).toBe(0);
      expect(run.stderr).toBe('');
    });

    it('M§12(6) prints a QR code that decodes to the verification URL', () => {
      const model = documentModelSchema.parse(samplePolicyModel());
      const base = join(work, 'qr');
      execFileSync('pdftoppm', ['-r', '150', '-gray', '-f', '1', '-l', '1', '-singlefile', writeTemp(pdf), base]);
      const pgm = readFileSync(`${base}.pgm`);
      const header = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(pgm.toString('latin1', 0, 40))!;
      const [width, height] = [Number(header[1]), Number(header[2])];
      const pixels = pgm.subarray(header[0].length);
      const rgba = new Uint8ClampedArray(width * height * 4);
      for (let i = 0; i < width * height; i++) {
        rgba.fill(pixels[i]!, i * 4, i * 4 + 3);
        rgba[i * 4 + 3] = 255;
      }
      const decoded = jsQR(rgba, width, height);
      expect(decoded?.data).toBe(model.qr!.payload);
    });

    it("draws every glyph exactly as fontkit's own subsetter does: the desubroutinized outlines rasterize pixel for pixel alike", async () => {
      const { regular } = documentFonts();
      const chars: string[] = [];
      for (let cp = 0x4e00; cp < 0x9fa5; cp += 29) if (regular.covers(cp)) chars.push(String.fromCodePoint(cp));
      for (let cp = 0x20000; cp < 0x2a6d6; cp += 331) if (regular.covers(cp)) chars.push(String.fromCodePoint(cp));
      expect(chars.length).toBeGreaterThan(700);
      const raster = async (font: PDFKit.Mixins.PDFFontSource, name: string) => {
        const doc = new PDFDocument({ size: 'A4', font: null as unknown as string, margin: 20 });
        const chunks: Buffer[] = [];
        doc.on('data', (c: Buffer) => chunks.push(c));
        const done = new Promise((resolve) => doc.on('end', resolve));
        doc.registerFont('f', font).font('f').fontSize(11).text(chars.join(''), 20, 20, { width: 555, lineGap: 2 });
        doc.end();
        await done;
        const base = join(work, name);
        execFileSync('pdftoppm', ['-r', '100', '-gray', '-singlefile', writeTemp(Buffer.concat(chunks)), base]);
        return readFileSync(`${base}.pgm`);
      };
      // The reference: the font file itself, subset by fontkit (which keeps the subroutines).
      const reference = await raster(regular.file, 'reference');
      const ours = await raster(regular.pdfkitFont as unknown as PDFKit.Mixins.PDFFontSource, 'ours');
      expect(ours.length).toBe(reference.length);
      expect(ours.equals(reference)).toBe(true);
    });

    it('two code points that share one outline copy out as themselves (⼀ U+2F00 and 一 U+4E00)', async () => {
      const { regular } = documentFonts();
      // The premise: Source Han Sans draws the Kangxi radical and the unified ideograph with one glyph.
      expect(regular.glyphIdOf(0x2f00)).toBe(regular.glyphIdOf(0x4e00));
      expect(regular.glyphIdOf(0x4e00)).not.toBe(0);
      const out = pdftotext(await renderDocument(minimalModel('部首⼀与汉字一')));
      expect(out).toContain('部首⼀与汉字一');
    });

    it('round-trips random text drawn from the characters the font covers, BMP and Extension B alike', async () => {
      const { regular } = documentFonts();
      const extensionB = Array.from({ length: 400 }, (_, i) => 0x20000 + i * 107).filter((cp) => regular.covers(cp));
      const pool = [
        ...Array.from('王喆李堃赵赟野保险合同犹豫期现金价值，。、：（）《》“”0123456789ABCxyz¥'),
        ...extensionB.map((cp) => String.fromCodePoint(cp)),
      ];
      expect(extensionB.length).toBeGreaterThan(10);
      await fc.assert(
        fc.asyncProperty(fc.array(fc.constantFrom(...pool), { minLength: 1, maxLength: 120 }), async (chars) => {
          const input = chars.join('');
          const out = pdftotext(await renderDocument(minimalModel(input)));
          expect(out.replace(/\s+/g, '')).toContain(input);
        }),
        { numRuns: 8, seed: 20250301 },
      );
    });
  },
);

describe('font coverage', () => {
  it('M§22 the embedded fonts cover every character of every field the e-policy prints', () => {
    const model = documentModelSchema.parse(samplePolicyModel());
    const strings = printedStrings(model);
    expect(strings.length).toBeGreaterThan(100);
    const uncovered = strings
      .filter((s) => !fontCoverage(s.text).covered)
      .map((s) => ({ path: s.path, missing: fontCoverage(s.text).missing }));
    expect(uncovered).toEqual([]);
    const all = fontCoverage(strings.map((s) => s.text).join(''));
    expect(all.covered).toBe(true);
    expect(all.fonts).toEqual(['SourceHanSansSC-Regular', 'SourceHanSansSC-Bold']);
    expect(all.characters).toBeGreaterThan(300);
  });

  it('names what it cannot print: a private-use character and a CJK Extension G ideograph', () => {
    const report = fontCoverage('王喆\u{E000}𠮷\u{30000}王');
    expect(report.covered).toBe(false);
    expect(report.missing.map((m) => m.codePoint)).toEqual(['U+E000', 'U+30000']);
    expect(report.missing[1]!.faces).toEqual(['regular', 'bold']);
    expect(fontCoverage('王喆李堃赵赟𠮷野').covered).toBe(true);
  });

  it('refuses to render a model that prints a character without a glyph, naming the field and the character', async () => {
    const model = samplePolicyModel();
    model.sections[0]!.blocks[0] = { kind: 'fields', rows: [{ label: '投保人', value: '王\u{30000}' }] };
    const error = await renderDocument(model).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isAppError(error) && error.code).toBe('VALIDATION_FAILED');
    const items = isAppError(error) ? error.items : undefined;
    expect(items).toEqual([
      { path: 'sections.0.blocks.0.rows.0.value', code: 'glyph_missing', message: 'no glyph for \u{30000} (U+30000)' },
    ]);
  });

  it('refuses a table row whose cells do not match its columns', async () => {
    const model = samplePolicyModel();
    model.sections[2]!.blocks[0] = { kind: 'table', columns: [{ header: '甲' }, { header: '乙' }], rows: [['1', '2'], ['3']] };
    const error = await renderDocument(model).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isAppError(error) && error.code).toBe('VALIDATION_FAILED');
    expect(isAppError(error) ? error.items?.[0]?.path : undefined).toBe('sections.2.blocks.0.rows.1');
  });
});
