/**
 * Renders a DocumentModel to an A4 PDF with pdfkit, in Source Han Sans SC embedded as subsets.
 *
 * Why pdfkit: it lays out and wraps text (UAX #14 line breaking, which breaks between ideographs and keeps closing
 * punctuation off the start of a line), paginates, compresses and writes a Type 0 font with a ToUnicode CMap; the
 * font object it embeds is ours (fonts.ts), so subsetting and glyph mapping stay under our control. pdf-lib with
 * @pdf-lib/fontkit was the alternative; its subsetting of CFF-flavoured OpenType fonts is known to break glyphs.
 */
import PDFDocument from 'pdfkit';
import { AppError, must } from '../../platform/errors.js';
import {
  documentModelSchema,
  pageCounter,
  printedStrings,
  type DocumentBlock,
  type DocumentModel,
  type ParsedDocumentModel,
} from './document-model.js';
import { documentFonts, fontCoverage, type FontWeight } from './fonts.js';
import { qrMatrix, qrRuns } from './qr.js';

const A4 = { width: 595.28, height: 841.89 };
const MARGIN = { top: 50, left: 50, right: 50 };
const CONTENT_WIDTH = A4.width - MARGIN.left - MARGIN.right;
const FOOTER_BOTTOM = 26;
const FOOTER_GAP = 14;

const COLOR = {
  text: '#1a1a1a',
  muted: '#5f6670',
  rule: '#c9ced6',
  accent: '#1f4e8c',
  headerFill: '#e9eef5',
  zebra: '#f6f7f9',
  warnFill: '#fff3e6',
  warnBar: '#d9480f',
  warnText: '#8a2c0d',
};

const SIZE = { issuer: 9, title: 18, subtitle: 11, reference: 10, heading: 11.5, body: 9.5, table: 8.5, footer: 7, qrCaption: 7 };
const QR_BOX = 86;
const QR_QUIET_MODULES = 2;

type Doc = PDFKit.PDFDocument;

/**
 * Validates the model (structure and glyph coverage) and renders it. Throws AppError VALIDATION_FAILED, naming
 * the fields and characters, when the model is malformed or prints a character the font has no glyph for: a
 * policy must never show a blank box where a name should be.
 */
export async function renderDocument(input: DocumentModel): Promise<Buffer> {
  const parsed = documentModelSchema.safeParse(input);
  if (!parsed.success) {
    throw new AppError(
      'VALIDATION_FAILED',
      'The document model is not valid',
      parsed.error.issues.map((i) => ({ path: i.path.join('.'), code: i.code, message: i.message })),
    );
  }
  const model = parsed.data;
  assertPrintable(model);
  return new Renderer(model).render();
}

/** Throws VALIDATION_FAILED listing, per field, the characters the embedded font cannot print. */
export function assertPrintable(model: ParsedDocumentModel): void {
  const items: Array<{ path: string; code: string; message: string }> = [];
  for (const { path, text } of printedStrings(model)) {
    const coverage = fontCoverage(text);
    if (!coverage.covered) {
      items.push({
        path,
        code: 'glyph_missing',
        message: `no glyph for ${coverage.missing.map((m) => `${m.char} (${m.codePoint})`).join(', ')}`,
      });
    }
  }
  if (items.length > 0) throw new AppError('VALIDATION_FAILED', 'The document prints characters the font has no glyph for', items);
}

class Renderer {
  private readonly doc: Doc;
  private readonly chunks: Buffer[] = [];
  private readonly done: Promise<void>;
  private readonly footerHeight: number;

  constructor(private readonly model: ParsedDocumentModel) {
    const fonts = documentFonts();
    const doc = new PDFDocument({
      size: 'A4',
      pdfVersion: '1.7',
      autoFirstPage: false,
      bufferPages: true,
      lang: 'zh-CN',
      displayTitle: true,
      // No default font: loading Helvetica's metrics would cost time and is never used.
      font: null as unknown as string,
      info: {
        Title: model.title,
        Author: model.issuer,
        Subject: model.subject ?? model.title,
        Keywords: [model.reference?.value, ...model.keywords].filter(Boolean).join(', '),
        Creator: 'wangbao',
        Producer: 'wangbao documents (pdfkit)',
        CreationDate: model.createdAt,
        ModDate: model.createdAt,
      },
    });
    for (const [name, font] of Object.entries(fonts) as Array<[FontWeight, (typeof fonts)[FontWeight]]>) {
      doc.registerFont(name, font.pdfkitFont as unknown as PDFKit.Mixins.PDFFontSource);
    }
    doc.on('data', (c: Buffer) => this.chunks.push(c));
    this.done = new Promise((resolve, reject) => {
      doc.on('end', () => resolve());
      doc.on('error', reject);
    });
    this.doc = doc;
    // The footer's height decides the bottom margin of every page.
    doc.font('regular').fontSize(SIZE.footer);
    this.footerHeight = doc.heightOfString(model.footer, { width: CONTENT_WIDTH - 80, lineGap: 1.5 });
  }

  async render(): Promise<Buffer> {
    this.addPage();
    this.header();
    for (const section of this.model.sections) this.section(section);
    this.footers();
    this.doc.end();
    await this.done;
    return Buffer.concat(this.chunks);
  }

  private get bottom(): number {
    return A4.height - FOOTER_BOTTOM - this.footerHeight - FOOTER_GAP;
  }

  private addPage(): void {
    this.doc.addPage({
      size: 'A4',
      margins: { top: MARGIN.top, left: MARGIN.left, right: MARGIN.right, bottom: A4.height - this.bottom },
    });
    this.doc.x = MARGIN.left;
    this.doc.y = MARGIN.top;
  }

  private ensureSpace(height: number): void {
    if (this.doc.y + height > this.bottom) this.addPage();
  }

  private setFont(weight: FontWeight, size: number, color = COLOR.text): void {
    this.doc.font(weight).fontSize(size).fillColor(color);
  }

  private textHeight(text: string, width: number, lineGap = 1.5): number {
    return text === '' ? this.doc.currentLineHeight() : this.doc.heightOfString(text, { width, lineGap });
  }

  private write(text: string, x: number, y: number, width: number, options: PDFKit.Mixins.TextOptions = {}): void {
    this.doc.text(text, x, y, { width, lineGap: 1.5, ...options });
    this.doc.x = MARGIN.left;
  }

  private header(): void {
    const { model, doc } = this;
    const textWidth = model.qr ? CONTENT_WIDTH - QR_BOX - 16 : CONTENT_WIDTH;
    let y = MARGIN.top;
    this.setFont('regular', SIZE.issuer, COLOR.muted);
    this.write(model.issuer, MARGIN.left, y, textWidth);
    y = doc.y + 6;
    this.setFont('bold', SIZE.title);
    this.write(model.title, MARGIN.left, y, textWidth);
    y = doc.y + 2;
    if (model.subtitle) {
      this.setFont('regular', SIZE.subtitle, COLOR.muted);
      this.write(model.subtitle, MARGIN.left, y, textWidth);
      y = doc.y + 2;
    }
    if (model.reference) {
      y += 4;
      this.setFont('regular', SIZE.reference, COLOR.muted);
      const label = `${model.reference.label}：`;
      const labelWidth = doc.widthOfString(label);
      this.write(label, MARGIN.left, y, labelWidth + 1);
      this.setFont('bold', SIZE.reference);
      this.write(model.reference.value, MARGIN.left + labelWidth, y, textWidth - labelWidth);
      y = doc.y;
    }
    if (model.qr) y = Math.max(y, this.qr(model.qr.payload, model.qr.caption));
    y += 10;
    doc
      .moveTo(MARGIN.left, y)
      .lineTo(MARGIN.left + CONTENT_WIDTH, y)
      .lineWidth(1)
      .strokeColor(COLOR.accent)
      .stroke();
    doc.y = y + 12;
  }

  /** Draws the QR symbol at the top right; returns the y below it and its caption. */
  private qr(payload: string, caption: string[]): number {
    const { doc } = this;
    const matrix = qrMatrix(payload);
    const module = QR_BOX / (matrix.size + 2 * QR_QUIET_MODULES);
    const x0 = MARGIN.left + CONTENT_WIDTH - QR_BOX;
    const y0 = MARGIN.top;
    for (const [row, col, length] of qrRuns(matrix)) {
      // A hair of overlap so adjacent modules print without seams in viewers that anti-alias each rectangle.
      doc.rect(x0 + (col + QR_QUIET_MODULES) * module, y0 + (row + QR_QUIET_MODULES) * module, length * module + 0.05, module + 0.05);
    }
    doc.fillColor('#000000').fill();
    let y = y0 + QR_BOX + 2;
    this.setFont('regular', SIZE.qrCaption, COLOR.muted);
    for (const line of caption) {
      this.write(line, x0 - 10, y, QR_BOX + 20, { align: 'center' });
      y = doc.y;
    }
    return y;
  }

  private section(section: ParsedDocumentModel['sections'][number]): void {
    const { doc } = this;
    this.setFont('bold', SIZE.heading, COLOR.accent);
    const headingHeight = this.textHeight(section.heading, CONTENT_WIDTH - 10);
    // Keep a heading with at least a couple of lines of what it introduces.
    this.ensureSpace(headingHeight + 40);
    const y = doc.y + 4;
    doc
      .rect(MARGIN.left, y + 2, 3, SIZE.heading)
      .fillColor(COLOR.accent)
      .fill();
    this.setFont('bold', SIZE.heading, COLOR.accent);
    this.write(section.heading, MARGIN.left + 9, y, CONTENT_WIDTH - 9);
    doc.y += 5;
    for (const block of section.blocks) {
      this.block(block);
      doc.y += 8;
    }
  }

  private block(block: DocumentBlock): void {
    switch (block.kind) {
      case 'fields':
        return this.fields(block);
      case 'table':
        return this.table(block);
      case 'paragraph':
        return this.paragraph(block.text);
      case 'highlight':
        return this.highlight(block);
    }
  }

  private paragraph(text: string): void {
    this.setFont('regular', SIZE.body);
    this.ensureSpace(this.doc.currentLineHeight(true) * 2);
    // pdfkit continues a long paragraph on the next page by itself, within the page margins.
    this.write(text, MARGIN.left, this.doc.y, CONTENT_WIDTH);
  }

  private fields(block: Extract<DocumentBlock, { kind: 'fields' }>): void {
    const { doc } = this;
    const pairWidth = CONTENT_WIDTH / block.columns;
    const labelWidth = Math.min(88, pairWidth * 0.36);
    const valueWidth = pairWidth - labelWidth - 10;
    const pad = 3.5;
    for (let i = 0; i < block.rows.length; i += block.columns) {
      const pairs = block.rows.slice(i, i + block.columns);
      this.setFont('regular', SIZE.body);
      const height =
        Math.max(...pairs.map((p) => Math.max(this.textHeight(p.label, labelWidth), this.textHeight(p.value, valueWidth)))) + 2 * pad;
      this.ensureSpace(height);
      const y = doc.y;
      pairs.forEach((pair, c) => {
        const x = MARGIN.left + c * pairWidth;
        this.setFont('regular', SIZE.body, COLOR.muted);
        this.write(pair.label, x, y + pad, labelWidth);
        this.setFont('regular', SIZE.body);
        this.write(pair.value, x + labelWidth + 6, y + pad, valueWidth);
      });
      doc
        .moveTo(MARGIN.left, y + height)
        .lineTo(MARGIN.left + CONTENT_WIDTH, y + height)
        .lineWidth(0.4)
        .strokeColor(COLOR.rule)
        .stroke();
      doc.y = y + height;
    }
  }

  private table(block: Extract<DocumentBlock, { kind: 'table' }>): void {
    const { doc } = this;
    const totalWeight = block.columns.reduce((n, c) => n + c.weight, 0);
    const columns = block.columns.map((c) => ({ align: c.align, width: (CONTENT_WIDTH * c.weight) / totalWeight }));
    const columnOf = (i: number) => must(columns[i], `column ${i} of a table with ${columns.length}`);
    const pad = 4;
    const rowHeight = (cells: string[], weight: FontWeight) => {
      this.setFont(weight, SIZE.table);
      return Math.max(...cells.map((cell, i) => this.textHeight(cell, columnOf(i).width - 2 * pad))) + 2 * pad;
    };
    const drawRow = (cells: string[], y: number, height: number, weight: FontWeight, fill: string | undefined) => {
      if (fill) doc.rect(MARGIN.left, y, CONTENT_WIDTH, height).fillColor(fill).fill();
      let x = MARGIN.left;
      cells.forEach((cell, i) => {
        this.setFont(weight, SIZE.table);
        const { width, align } = columnOf(i);
        this.write(cell, x + pad, y + pad, width - 2 * pad, { align });
        x += width;
      });
      doc
        .moveTo(MARGIN.left, y + height)
        .lineTo(MARGIN.left + CONTENT_WIDTH, y + height)
        .lineWidth(0.4)
        .strokeColor(COLOR.rule)
        .stroke();
    };
    const headers = block.columns.map((c) => c.header);
    const headerHeight = rowHeight(headers, 'bold');
    const drawHeader = () => {
      const y = doc.y;
      drawRow(headers, y, headerHeight, 'bold', COLOR.headerFill);
      doc.y = y + headerHeight;
    };
    if (block.caption) {
      this.setFont('bold', SIZE.body);
      this.ensureSpace(this.textHeight(block.caption, CONTENT_WIDTH) + headerHeight + 30);
      this.write(block.caption, MARGIN.left, doc.y, CONTENT_WIDTH);
      doc.y += 3;
    }
    const firstRow = block.rows[0];
    this.ensureSpace(headerHeight + (firstRow ? rowHeight(firstRow, 'regular') : 0));
    drawHeader();
    block.rows.forEach((row, r) => {
      const height = rowHeight(row, 'regular');
      if (doc.y + height > this.bottom) {
        this.addPage();
        drawHeader();
      }
      const y = doc.y;
      drawRow(row, y, height, 'regular', r % 2 === 1 ? COLOR.zebra : undefined);
      doc.y = y + height;
    });
  }

  private highlight(block: Extract<DocumentBlock, { kind: 'highlight' }>): void {
    const { doc } = this;
    const pad = 8;
    const textX = MARGIN.left + 3 + pad;
    const textWidth = CONTENT_WIDTH - 3 - 2 * pad;
    const items = block.items.map((item, i) => (block.numbered ? `${i + 1}. ${item}` : `• ${item}`));
    this.setFont('bold', SIZE.body + 0.5);
    const titleHeight = block.title ? this.textHeight(block.title, textWidth) + 4 : 0;
    this.setFont('regular', SIZE.body);
    const itemHeights = items.map((item) => this.textHeight(item, textWidth) + 3);
    const heightOf = (k: number) => itemHeights[k] ?? 0; // k < items.length wherever it is asked
    // Plan the box page by page so each piece gets its tinted background before its text is drawn.
    let i = 0;
    let first = true;
    while (i < items.length) {
      const head = first ? titleHeight : 0;
      if (doc.y + 2 * pad + head + heightOf(i) > this.bottom) this.addPage();
      const available = this.bottom - doc.y - 2 * pad - head;
      let end = i;
      let height = 0;
      while (end < items.length && (height + heightOf(end) <= available || end === i)) height += heightOf(end++);
      const y = doc.y;
      const boxHeight = 2 * pad + head + height;
      doc.rect(MARGIN.left, y, CONTENT_WIDTH, boxHeight).fillColor(COLOR.warnFill).fill();
      doc.rect(MARGIN.left, y, 3, boxHeight).fillColor(COLOR.warnBar).fill();
      let ty = y + pad;
      if (first && block.title) {
        this.setFont('bold', SIZE.body + 0.5, COLOR.warnText);
        this.write(block.title, textX, ty, textWidth);
        ty += titleHeight;
      }
      for (const [k, item] of items.slice(i, end).entries()) {
        this.setFont('regular', SIZE.body, COLOR.warnText);
        this.write(item, textX, ty, textWidth);
        ty += heightOf(i + k);
      }
      doc.y = y + boxHeight;
      i = end;
      first = false;
    }
  }

  private footers(): void {
    const { doc, model } = this;
    const range = doc.bufferedPageRange();
    for (let p = range.start; p < range.start + range.count; p++) {
      doc.switchToPage(p);
      // Writing below the bottom margin would make pdfkit open a new page.
      doc.page.margins.bottom = 0;
      const top = A4.height - FOOTER_BOTTOM - this.footerHeight;
      doc
        .moveTo(MARGIN.left, top - 6)
        .lineTo(MARGIN.left + CONTENT_WIDTH, top - 6)
        .lineWidth(0.4)
        .strokeColor(COLOR.rule)
        .stroke();
      this.setFont('regular', SIZE.footer, COLOR.muted);
      this.write(model.footer, MARGIN.left, top, CONTENT_WIDTH - 80);
      this.write(pageCounter(p - range.start + 1, range.count), MARGIN.left + CONTENT_WIDTH - 76, top, 76, { align: 'right' });
    }
  }
}
