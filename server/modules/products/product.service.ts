import type { Config } from '../../config.js';
import type { Db } from '../../db/database.js';
import { requireRole, type Actor } from '../../platform/actor.js';
import type { Clock } from '../../platform/clock.js';
import { AppError, must } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { newId } from '../../platform/ids.js';
import { registerTextVersion, sha256Hex, takeTextVersionsOffline } from '../../platform/text-versions.js';
import {
  LINE_PROBLEM_CODES,
  NEW_TYPE_PROBLEM_CODES,
  checkPublishable,
  disclosureSections,
  questionnaireItemKey,
  questionnaireItemText,
} from './disclosure.js';
import { productDefinitionSchema, type ProductDefinition } from './product.js';
import * as repo from './product.repository.js';

export type ProductVersionStatus = 'draft' | 'published' | 'withdrawn';

export interface ProductVersionView {
  productVersionId: string;
  productId: string;
  code: string;
  version: number;
  status: ProductVersionStatus;
  definition: ProductDefinition;
  definitionHash: string;
  createdAt: Date;
  publishedAt: Date | null;
  withdrawnAt: Date | null;
  /** Text version id of each disclosure section and questionnaire item, by section key; empty for a draft. */
  textVersions: Record<string, string>;
}

/** JSON with keys sorted, so the same definition always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function refPrefix(code: string, version: number): string {
  return `${code}@${version}:`;
}

function parseDefinition(input: unknown): ProductDefinition {
  const parsed = productDefinitionSchema.safeParse(input);
  if (!parsed.success) {
    throw new AppError(
      'VALIDATION_FAILED',
      'The product definition is not valid',
      parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.') || undefined, code: i.code, message: i.message })),
    );
  }
  return parsed.data;
}

function versionFacts(row: repo.ProductVersionRow): Omit<ProductVersionView, 'textVersions'> {
  return {
    productVersionId: row.id,
    productId: row.product_id,
    code: row.code,
    version: row.version,
    status: row.status,
    definition: row.definition as ProductDefinition,
    definitionHash: row.definition_hash,
    createdAt: row.created_at,
    publishedAt: row.published_at,
    withdrawnAt: row.withdrawn_at,
  };
}

/**
 * Products as versioned data (M§9, M§14, M§17). Compliance drafts versions and publishes them once the disclosure is
 * complete; publication registers every section the consumer will see as a text version and takes the previous
 * version off sale. A published version never changes.
 */
export function createProductService(deps: { db: Db; clock: Clock; config: Pick<Config, 'onlineLineAllowList'> }) {
  const { db, clock, config } = deps;

  async function toView(row: repo.ProductVersionRow): Promise<ProductVersionView> {
    const textVersions: Record<string, string> = {};
    if (row.status !== 'draft') {
      const prefix = refPrefix(row.code, row.version);
      for (const t of await repo.textVersionsByRefPrefix(db, prefix)) textVersions[t.ref.slice(prefix.length)] = t.id;
    }
    return { ...versionFacts(row), textVersions };
  }

  async function requireVersion(code: string, version: number): Promise<repo.ProductVersionRow> {
    const row = await repo.findVersion(db, code, version);
    if (!row) throw new AppError('NOT_FOUND', `No product version ${code}@${version}`);
    return row;
  }

  return {
    /**
     * Drafts a product version: a new product, or the next version of an existing code. The draft may be
     * incomplete; completeness is checked at publication.
     */
    async createVersion(actor: Actor, input: unknown): Promise<{ productId: string; productVersionId: string; version: number }> {
      const staff = requireRole(actor, 'compliance_officer');
      const definition = parseDefinition(input);
      const now = clock.now();
      return db.transaction().execute(async (trx) => {
        const product = await repo.ensureProduct(trx, {
          id: newId('prd', now.getTime()),
          code: definition.code,
          name: definition.promotionalName,
          created_at: now,
        });
        await repo.lockProduct(trx, product.id);
        const version = (await repo.maxVersion(trx, product.id)) + 1;
        const productVersionId = newId('pv', now.getTime());
        const json = canonicalJson(definition);
        await repo.insertVersion(trx, {
          id: productVersionId,
          product_id: product.id,
          version,
          status: 'draft',
          definition: json,
          definition_hash: sha256Hex(json),
          created_by: staff.id,
          created_at: now,
        });
        await recordEvent(trx, {
          type: 'product.version_created',
          actor,
          subject: { type: 'product_version', id: productVersionId },
          payload: { code: definition.code, version, definitionHash: sha256Hex(json) },
          at: now,
        });
        return { productId: product.id, productVersionId, version };
      });
    },

    /** Replaces the definition of a draft. A published or withdrawn version never changes. */
    async reviseDraft(actor: Actor, code: string, version: number, input: unknown): Promise<{ productVersionId: string; version: number }> {
      requireRole(actor, 'compliance_officer');
      const row = await requireVersion(code, version);
      if (row.status !== 'draft') throw new AppError('PRODUCT_VERSION_PUBLISHED', `${code}@${version} is ${row.status}`);
      const definition = parseDefinition(input);
      if (definition.code !== code)
        throw new AppError('VALIDATION_FAILED', 'The definition code must stay the same', [{ path: 'code', message: `expected ${code}` }]);
      const json = canonicalJson(definition);
      const now = clock.now();
      await db.transaction().execute(async (trx) => {
        if (!(await repo.updateDraftDefinition(trx, row.id, json, sha256Hex(json)))) {
          throw new AppError('PRODUCT_VERSION_PUBLISHED', `${code}@${version} was published meanwhile`);
        }
        await recordEvent(trx, {
          type: 'product.draft_revised',
          actor,
          subject: { type: 'product_version', id: row.id },
          payload: { code, version, definitionHash: sha256Hex(json) },
          at: now,
        });
      });
      return { productVersionId: row.id, version };
    },

    /**
     * Puts a draft on sale after checking its disclosure (M§14), the online-line limits and the new-type rules
     * (M§17(2)); refuses naming every problem at once. Registers each section and questionnaire item as a text
     * version and withdraws the version previously on sale.
     */
    async publishVersion(actor: Actor, code: string, version: number): Promise<ProductVersionView> {
      const staff = requireRole(actor, 'compliance_officer');
      const row = await requireVersion(code, version);
      if (row.status === 'published') throw new AppError('PRODUCT_VERSION_PUBLISHED', `${code}@${version} is already published`);
      if (row.status === 'withdrawn') throw new AppError('INVALID_STATE', `${code}@${version} was withdrawn; draft a new version`);

      const problems = checkPublishable(row.definition, { onlineLineAllowList: config.onlineLineAllowList });
      if (problems.length) {
        const errorCode = problems.some((p) => LINE_PROBLEM_CODES.includes(p.code))
          ? 'PRODUCT_LINE_NOT_ONLINE'
          : problems.some((p) => NEW_TYPE_PROBLEM_CODES.includes(p.code))
            ? 'PRODUCT_NEW_TYPE_RULES'
            : 'PRODUCT_DISCLOSURE_INCOMPLETE';
        // The refusal is itself a record, kept although nothing else changes.
        await recordEvent(db, {
          type: 'product.publish_refused',
          actor,
          subject: { type: 'product_version', id: row.id },
          payload: { code, version, errorCode, problems: problems.map((p) => ({ path: p.path, code: p.code })) },
          at: clock.now(),
        });
        throw new AppError(errorCode, `${problems.length} problem(s) prevent publishing ${code}@${version}`, problems);
      }

      const definition = row.definition as ProductDefinition;
      const now = clock.now();
      await db.transaction().execute(async (trx) => {
        await repo.lockProduct(trx, row.product_id);
        const previous = await repo.findPublished(trx, row.product_id);
        if (previous && previous.id !== row.id) {
          await repo.markWithdrawn(trx, previous.id, now);
          await takeTextVersionsOffline(trx, { kinds: repo.PRODUCT_TEXT_KINDS, refPrefix: refPrefix(code, previous.version), at: now });
          await recordEvent(trx, {
            type: 'product.version_withdrawn',
            actor,
            subject: { type: 'product_version', id: previous.id },
            payload: { code, version: previous.version, replacedBy: version },
            at: now,
          });
        }
        if (!(await repo.markPublished(trx, row.id, now, staff.id))) throw new AppError('CONFLICT', `${code}@${version} changed meanwhile`);
        const prefix = refPrefix(code, version);
        const textVersionIds: string[] = [];
        for (const section of disclosureSections(definition)) {
          const t = await registerTextVersion(trx, {
            kind: 'product_disclosure',
            ref: `${prefix}${section.key}`,
            title: section.title,
            content: section.content,
            at: now,
          });
          textVersionIds.push(t.id);
        }
        for (const q of definition.questionnaires) {
          for (const item of q.items) {
            const t = await registerTextVersion(trx, {
              kind: 'questionnaire_item',
              ref: `${prefix}${questionnaireItemKey(q.code, item.code)}`,
              title: q.title,
              content: questionnaireItemText(item),
              at: now,
            });
            textVersionIds.push(t.id);
          }
        }
        await repo.renameProduct(trx, row.product_id, definition.promotionalName);
        await recordEvent(trx, {
          type: 'product.version_published',
          actor,
          subject: { type: 'product_version', id: row.id },
          payload: { code, version, definitionHash: row.definition_hash, textVersionIds },
          at: now,
        });
      });
      return toView(must(await repo.findVersionById(db, row.id), `product version ${row.id}`));
    },

    /** Takes a published version off sale; its text versions go offline but are kept. */
    async withdrawVersion(actor: Actor, code: string, version: number): Promise<ProductVersionView> {
      requireRole(actor, 'compliance_officer');
      const row = await requireVersion(code, version);
      if (row.status !== 'published') throw new AppError('INVALID_STATE', `${code}@${version} is ${row.status}, not published`);
      const now = clock.now();
      await db.transaction().execute(async (trx) => {
        if (!(await repo.markWithdrawn(trx, row.id, now))) throw new AppError('CONFLICT', `${code}@${version} changed meanwhile`);
        await takeTextVersionsOffline(trx, { kinds: repo.PRODUCT_TEXT_KINDS, refPrefix: refPrefix(code, version), at: now });
        await recordEvent(trx, {
          type: 'product.version_withdrawn',
          actor,
          subject: { type: 'product_version', id: row.id },
          payload: { code, version },
          at: now,
        });
      });
      return toView(must(await repo.findVersionById(db, row.id), `product version ${row.id}`));
    },

    /** Every product version on sale now. */
    async listOnSale(): Promise<ProductVersionView[]> {
      const rows = await repo.listPublished(db);
      return Promise.all(rows.map(toView));
    },

    /** The version of a product on sale now: NOT_FOUND for an unknown code, PRODUCT_NOT_ON_SALE when none is published. */
    async getOnSale(code: string): Promise<ProductVersionView> {
      const product = await repo.findProductByCode(db, code);
      if (!product) throw new AppError('NOT_FOUND', `No product ${code}`);
      const row = await repo.findPublished(db, product.id);
      if (!row) throw new AppError('PRODUCT_NOT_ON_SALE', `${code} is not on sale`);
      return toView(row);
    },

    /** Any version by id, as it was shown: applications and policies keep this id for ever. */
    async getVersion(productVersionId: string): Promise<ProductVersionView> {
      const row = await repo.findVersionById(db, productVersionId);
      if (!row) throw new AppError('NOT_FOUND', `No product version ${productVersionId}`);
      return toView(row);
    },

    /** Every version of every product, for the console. */
    async listVersions(actor: Actor): Promise<Array<Omit<ProductVersionView, 'textVersions'>>> {
      requireRole(actor, 'compliance_officer', 'auditor');
      const rows = await repo.listVersions(db);
      return rows.map(versionFacts);
    },

    /** Every problem that would stop a draft from being published, for the console's checklist. */
    async checkVersion(actor: Actor, code: string, version: number) {
      requireRole(actor, 'compliance_officer', 'auditor');
      const row = await requireVersion(code, version);
      return checkPublishable(row.definition, { onlineLineAllowList: config.onlineLineAllowList });
    },
  };
}
export type ProductService = ReturnType<typeof createProductService>;
