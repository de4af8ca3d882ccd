/**
 * The structured model a document (e-policy, invoice, endorsement) is rendered from. It holds display strings
 * only: amounts, dates and masked IDs are formatted by the caller, so the engine never decides what a customer may
 * see (display rules and masking stay with the modules that own the data).
 */
import { z } from 'zod';

const line = (max: number) => z.string().min(1).max(max);

export const fieldRowSchema = z.object({
  label: line(40),
  value: z.string().max(2_000),
});

export const tableColumnSchema = z.object({
  header: line(40),
  /** Numbers read best right-aligned. */
  align: z.enum(['left', 'center', 'right']).default('left'),
  /** Relative width; columns share the line in proportion. */
  weight: z.number().positive().max(100).default(1),
});

export const blockSchema = z.discriminatedUnion('kind', [
  /** Label/value rows, e.g. the parties or the policy facts; two pairs side by side by default. */
  z.object({
    kind: z.literal('fields'),
    columns: z.union([z.literal(1), z.literal(2)]).default(2),
    rows: z.array(fieldRowSchema).min(1).max(200),
  }),
  /** A table with a header row that repeats on each page, e.g. cover or the cash-value table. */
  z.object({
    kind: z.literal('table'),
    caption: z.string().max(200).optional(),
    columns: z.array(tableColumnSchema).min(1).max(12),
    rows: z.array(z.array(z.string().max(500))).max(1_000),
  }),
  z.object({
    kind: z.literal('paragraph'),
    text: z.string().min(1).max(10_000),
  }),
  /** A framed, tinted block for what a reader must not miss, e.g. exclusions (免除保险人责任条款). */
  z.object({
    kind: z.literal('highlight'),
    title: z.string().max(200).optional(),
    items: z.array(z.string().min(1).max(5_000)).min(1).max(100),
    numbered: z.boolean().default(true),
  }),
]);

export const sectionSchema = z.object({
  heading: line(100),
  blocks: z.array(blockSchema).min(1).max(50),
});

export const documentModelSchema = z
  .object({
    /** Who issues the document, printed above the title and as the PDF author (e.g. the insurer). */
    issuer: line(200),
    title: line(200),
    subtitle: z.string().max(200).optional(),
    /** The document's own number, e.g. 保险单号 P2024…, printed under the title. */
    reference: fieldRowSchema.optional(),
    /** When the document was produced; it becomes the PDF creation date (the caller's clock, not the renderer's). */
    createdAt: z.date(),
    /** PDF metadata subject and keywords (searchable in readers). */
    subject: z.string().max(500).optional(),
    keywords: z.array(z.string().max(100)).max(20).default([]),
    /** A QR code at the top right of the first page: the verification URL, with a caption under it. */
    qr: z
      .object({
        payload: z.string().min(1).max(1_000),
        caption: z.array(z.string().max(60)).max(4).default([]),
      })
      .optional(),
    sections: z.array(sectionSchema).min(1).max(50),
    /** Printed at the foot of every page, e.g. the ledger checkpoint that seals the record. */
    footer: z.string().min(1).max(600),
  })
  .superRefine((model, ctx) => {
    model.sections.forEach((section, s) =>
      section.blocks.forEach((block, b) => {
        if (block.kind !== 'table') return;
        block.rows.forEach((row, r) => {
          if (row.length !== block.columns.length) {
            ctx.addIssue({
              code: 'custom',
              path: ['sections', s, 'blocks', b, 'rows', r],
              message: `row has ${row.length} cells for ${block.columns.length} columns`,
            });
          }
        });
      }),
    );
  });

export type DocumentModel = z.input<typeof documentModelSchema>;
export type ParsedDocumentModel = z.output<typeof documentModelSchema>;
export type DocumentBlock = z.output<typeof blockSchema>;

/** The page footer's page counter; part of what is printed, so part of what the font must cover. */
export function pageCounter(page: number, pages: number): string {
  return `第 ${page} 页 / 共 ${pages} 页`;
}

/**
 * Every string the renderer prints for `model`, with where it comes from, so a caller (and the coverage check) can
 * ask whether the font has a glyph for every character before anything is drawn.
 */
export function printedStrings(model: ParsedDocumentModel): Array<{ path: string; text: string }> {
  const out: Array<{ path: string; text: string }> = [];
  const add = (path: string, text: string | undefined) => {
    if (text !== undefined && text !== '') out.push({ path, text });
  };
  add('issuer', model.issuer);
  add('title', model.title);
  add('subtitle', model.subtitle);
  add('reference.label', model.reference?.label);
  add('reference.value', model.reference?.value);
  model.qr?.caption.forEach((c, i) => add(`qr.caption.${i}`, c));
  model.sections.forEach((section, s) => {
    add(`sections.${s}.heading`, section.heading);
    section.blocks.forEach((block, b) => {
      const at = `sections.${s}.blocks.${b}`;
      switch (block.kind) {
        case 'fields':
          block.rows.forEach((row, r) => {
            add(`${at}.rows.${r}.label`, row.label);
            add(`${at}.rows.${r}.value`, row.value);
          });
          break;
        case 'table':
          add(`${at}.caption`, block.caption);
          block.columns.forEach((c, i) => add(`${at}.columns.${i}.header`, c.header));
          block.rows.forEach((row, r) => row.forEach((cell, c) => add(`${at}.rows.${r}.${c}`, cell)));
          break;
        case 'paragraph':
          add(`${at}.text`, block.text);
          break;
        case 'highlight':
          add(`${at}.title`, block.title);
          block.items.forEach((item, i) => add(`${at}.items.${i}`, block.numbered ? `${i + 1}. ${item}` : `• ${item}`));
          break;
      }
    });
  });
  add('footer', model.footer);
  // The widest counter stands for all of them: digits, spaces and 第页共/ are what it adds.
  add('pageCounter', pageCounter(9, 9));
  return out;
}
