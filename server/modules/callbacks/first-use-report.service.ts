import { readFileSync } from 'node:fs';
import type { Config } from '../../config.js';
import type { Db } from '../../db/database.js';
import { requireRole, type Actor } from '../../platform/actor.js';
import type { Clock } from '../../platform/clock.js';
import { addDays, shanghaiDate, workingCalendar } from '../../platform/dates.js';
import { AppError, must } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { newId } from '../../platform/ids.js';
import { sha256Hex } from '../../platform/text-versions.js';
import { renderDocument } from '../documents/index.js';
import type { ProductDefinition } from '../products/index.js';
import { isNewTypeLine, latestPublishedDefinitions } from '../products/index.js';
import { callbackBasis, requiredIdentityMethods } from './callback.js';
import { callbackItems } from './callback-texts.js';
import { computeFigures } from './callback-figures.service.js';
import { periodOf } from './callback-figures.js';
import {
  CHANNEL_LABELS,
  firstUseReportModel,
  IDENTITY_LABELS,
  listSetting,
  managementAreas,
  METHOD_LABELS,
  parseManagementRules,
  REPORT_ADDRESSEE,
  REPORT_DAYS,
  REPORT_TITLE,
  reportDueDate,
  type FirstUseReportContent,
} from './first-use-report.js';
import { checklist, formatRate } from './sampling.js';
import type { SamplingService } from './sampling.service.js';

const packageVersion = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/**
 * The first-use report to the regulator (首次使用电子化回访报告, CB; requirements §2.7), gathered from configuration
 * and the database, rendered to PDF and kept byte for byte with the JSON it was made from.
 */
export function createFirstUseReportService(deps: {
  db: Db;
  clock: Clock;
  config: Config;
  sampling: Pick<SamplingService, 'listRules'>;
  providers: { sms: string; face: string };
  /** Signs the report as the insurer signs its e-policies (PAdES), so what was sent can be shown to be the insurer's. */
  sign: (pdf: Buffer, at: Date) => Promise<Buffer>;
}) {
  const { db, clock, config, sampling, providers } = deps;
  // A misconfigured list of rule documents fails at start, not in front of the regulator.
  const ruleDocuments = parseManagementRules(config.CALLBACK_MANAGEMENT_RULES);
  const calendar = workingCalendar(config.PUBLIC_HOLIDAYS, config.MAKE_UP_WORKDAYS);
  const optIn = config.callbackOptInProducts;
  const platformUrl = config.publicBaseUrl;

  async function gather(actor: Actor): Promise<FirstUseReportContent> {
    const now = clock.now();
    const firstCase =
      (
        await db
          .selectFrom('callback_cases')
          .select((eb) => eb.fn.min('opened_at').as('first'))
          .executeTakeFirst()
      )?.first ?? null;
    const firstUseDate = config.CALLBACK_FIRST_USE_DATE ?? (firstCase ? shanghaiDate(new Date(firstCase)) : null);
    const source = config.CALLBACK_FIRST_USE_DATE ? 'config' : firstCase ? 'first_case' : null;

    const casesByChannel = await db
      .selectFrom('callback_cases')
      .select(['channel', (eb) => eb.fn.countAll<string>().as('n')])
      .groupBy('channel')
      .orderBy('channel')
      .execute();
    const casesByProduct = new Map(
      (
        await db
          .selectFrom('callback_cases')
          .select(['product_code', (eb) => eb.fn.countAll<string>().as('n')])
          .groupBy('product_code')
          .execute()
      ).map((r) => [r.product_code, Number(r.n)]),
    );
    const channels: FirstUseReportContent['channels'] = casesByChannel.length
      ? casesByChannel.map((r) => ({
          channel: r.channel,
          label: CHANNEL_LABELS[r.channel] ?? r.channel,
          cases: Number(r.n),
          source: 'cases' as const,
        }))
      : listSetting(config.CALLBACK_CHANNELS).map((ch) => ({
          channel: ch,
          label: CHANNEL_LABELS[ch] ?? ch,
          cases: 0,
          source: 'config' as const,
        }));

    // The latest published version of each product on sale.
    const published = (await latestPublishedDefinitions(db)) as Array<{ code: string; definition: ProductDefinition }>;
    const products: FirstUseReportContent['products'] = [];
    for (const { code, definition: d } of published) {
      const basis = callbackBasis({ termYears: Math.max(...d.termOptionsYears), productCode: code }, optIn);
      if (!basis) continue;
      const items = callbackItems({
        definition: d,
        termYears: Math.max(...d.termOptionsYears),
        paymentMode: d.paymentModes.includes('annual') ? 'annual' : must(d.paymentModes[0], `a payment mode of ${code}`),
        insuredIsOther: false,
        coolingOffCostFen: config.COOLING_OFF_COST_FEN,
      }).length;
      products.push({
        productCode: code,
        name: d.promotionalName,
        line: d.line,
        newType: isNewTypeLine(d.line),
        termYears: d.termOptionsYears,
        basis,
        faceRequired: !!d.faceVerificationRequired,
        items,
        cases: casesByProduct.get(code) ?? 0,
      });
    }
    const faceProducts = products.filter((p) => p.faceRequired).map((p) => p.name);
    const identityMethods = requiredIdentityMethods(true).map((m) => ({
      method: m,
      label: IDENTITY_LABELS[m] ?? m,
      appliesTo: requiredIdentityMethods(false).includes(m)
        ? '全部电子化回访'
        : faceProducts.length
          ? `要求人脸识别的产品：${faceProducts.join('、')}`
          : '产品要求时启用（当前无产品要求）',
      provider: m === 'sms_code' ? providers.sms : m === 'face' ? providers.face : '本公司系统（与投保时留存的证件信息比对）',
    }));

    const rules = await sampling.listRules(actor);
    const retentionYears = Math.max(10, config.RETENTION_LONG_TERM_YEARS);
    const regions = listSetting(config.CALLBACK_REGIONS);

    // Figures since first use, up to and including today (a first-use date still ahead gives an empty period).
    const tomorrow = addDays(shanghaiDate(now), 1);
    const figures = firstUseDate
      ? await computeFigures(db, periodOf(firstUseDate, tomorrow > firstUseDate ? tomorrow : addDays(firstUseDate, 1)))
      : null;

    const controls: Record<(typeof managementAreas)[number]['area'], string> = {
      flow: `投保人在本公司平台自行发起，可随时中止并转为电话回访；身份验证通过后逐项确认，用语中性并留存所示文本版本；犹豫期届满前${config.CALLBACK_FALLBACK_DAYS_BEFORE_END}日仍未完成的转电话回访，电话回访${config.CALLBACK_PHONE_MAX_ATTEMPTS}次未成功的转信函或上门回访`,
      archive: `回访记录只增不改，数据库拒绝修改和删除；全部操作写入可回溯账本；自保险合同终止之日起保存不少于${retentionYears}年（逐单计算）`,
      sampling: `按渠道和产品设定抽检比例（默认 ${formatRate(config.CALLBACK_SAMPLING_DEFAULT_RATE)}），以密钥哈希确定样本，可复核且不受人为干预；抽检清单${checklist.length}项，未通过的退回整改，整改期限${config.CALLBACK_SAMPLING_REWORK_DAYS}日`,
      problems:
        '否定回答、不确定、未签收保险合同、非本人签名自动生成问题件，分派回访专员调查处理并记录结论；发现销售误导的提供全额退费解除合同',
      disputes: `争议期间相关记录冻结保存，争议结束后至少再保存${config.RETENTION_DISPUTE_YEARS}年`,
      accountability: '发现销售误导的，系统标记对应销售记录及责任从业人员，供内部责任追究',
    };

    const gaps: string[] = [];
    const managementRules = managementAreas.map((a) => {
      const document = ruleDocuments[a.area] ?? null;
      if (!document) gaps.push(`管理制度“${a.title}”的制度文件（CALLBACK_MANAGEMENT_RULES 中的 ${a.area}）`);
      return { area: a.area, areaTitle: a.title, document, systemControls: controls[a.area] };
    });
    if (!regions.length) gaps.push('开展电子化回访的地区范围（CALLBACK_REGIONS）');
    if (!firstUseDate) gaps.push('电子化回访实施日（CALLBACK_FIRST_USE_DATE，或首笔回访任务生成后自动取得）');
    if (!products.length) gaps.push('适用产品：当前没有在售的需回访产品');

    return {
      title: REPORT_TITLE,
      addressee: REPORT_ADDRESSEE,
      insurer: config.INSURER_NAME,
      generatedAt: now.toISOString(),
      implementation: {
        firstUseDate,
        source,
        reportDueDate: firstUseDate ? reportDueDate(firstUseDate, calendar) : null,
        dueDateBasis: calendar.configured
          ? `实施日起${REPORT_DAYS}个工作日，按已配置的法定节假日及调休安排计算`
          : `实施日起${REPORT_DAYS}个工作日，按周一至周五计算；未配置法定节假日及调休安排（PUBLIC_HOLIDAYS、MAKE_UP_WORKDAYS），报送前请核对`,
      },
      managementRules,
      system: {
        name: 'wangbao 网保',
        version: packageVersion,
        operator: config.INSURER_NAME,
        platformUrl,
        callbackPageUrl: `${platformUrl}/h5/callbacks/{回访任务号}`,
        thirdPartyPlatform: false,
        storage: '本公司自有 PostgreSQL 数据库',
        appendOnly:
          '回访尝试、身份验证、逐项回答、录音及回执、问题件记录、抽检记录只可新增，数据库触发器拒绝修改、删除和清空；更正以新记录形式保存',
        ledger: {
          origin: config.LEDGER_ORIGIN,
          hash: config.LEDGER_HASH.toUpperCase(),
          checkpointSignature: config.LEDGER_SIGNATURE.toUpperCase(),
        },
        personalDataCipher: config.PII_CIPHER === 'sm4' ? 'SM4（国密）' : 'AES-256-GCM',
        retention: `自保险合同终止之日起不少于${retentionYears}年，逐单计算`,
      },
      carrier: {
        carriers: [
          `本公司互联网平台回访页面（${platformUrl}），经短信通知的链接进入`,
          '回访专员电话（全程录音）',
          '信函或上门（取得投保人签名回执）',
        ],
        methods: [
          { method: 'electronic', label: METHOD_LABELS.electronic, when: '犹豫期内，投保人收到通知后自行发起' },
          {
            method: 'phone',
            label: METHOD_LABELS.phone,
            when: `投保人中止电子化回访并选择电话回访，电子化回访失败，或犹豫期届满前${config.CALLBACK_FALLBACK_DAYS_BEFORE_END}日仍未完成`,
          },
          {
            method: 'letter',
            label: `${METHOD_LABELS.letter}/${METHOD_LABELS.visit}`,
            when: `电话回访${config.CALLBACK_PHONE_MAX_ATTEMPTS}次未成功；须于犹豫期届满后${config.CALLBACK_LETTER_DAYS}日内取得回执`,
          },
        ],
        parameters: [
          { name: '转电话回访时点（犹豫期届满前天数）', value: `${config.CALLBACK_FALLBACK_DAYS_BEFORE_END}日` },
          { name: '电话回访最多尝试次数', value: `${config.CALLBACK_PHONE_MAX_ATTEMPTS}次` },
          { name: '信函或上门回访期限（犹豫期届满后）', value: `${config.CALLBACK_LETTER_DAYS}日` },
          { name: '信函或上门最多尝试次数', value: `${config.CALLBACK_LETTER_MAX_ATTEMPTS}次` },
          { name: '身份验证失败次数上限', value: `${config.CALLBACK_IDENTITY_MAX_FAILURES}次` },
        ],
      },
      channels,
      products,
      regions,
      identityMethods,
      sampling: {
        defaultRate: rules.defaultRate,
        rules: rules.rules
          .filter((r) => r.inEffect || r.effectiveFrom.getTime() > now.getTime())
          .map((r) => ({ channel: r.channel, productCode: r.productCode, rate: r.rate, effectiveFrom: r.effectiveFrom.toISOString() })),
        checklist: checklist.map((c) => ({ code: c.code, group: c.group, title: c.title })),
      },
      figures,
      gaps,
    };
  }

  /** What the report would say now, without keeping it. */
  async function previewFirstUseReport(actor: Actor) {
    requireRole(actor, 'compliance_officer', 'auditor');
    const content = await gather(actor);
    return { content, contentSha256: sha256Hex(JSON.stringify(content)) };
  }

  /**
   * Generates the report, renders it to PDF and keeps both, sealed by an event naming their hashes, so what was sent
   * to the regulator can be shown and checked later. Listing gaps does not stop generation: the PDF says it is not
   * ready to be sent.
   */
  async function generateFirstUseReport(actor: Actor) {
    const staff = requireRole(actor, 'compliance_officer');
    const content = await gather(actor);
    const now = clock.now();
    const json = JSON.stringify(content);
    const contentSha256 = sha256Hex(json);
    const pdf = await deps.sign(await renderDocument(firstUseReportModel(content, { contentSha256, createdAt: now })), now);
    const pdfSha256 = sha256Hex(pdf);
    const id = newId('cbrp', now.getTime());
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('callback_reports')
        .values({
          id,
          kind: 'first_use',
          content: json,
          content_sha256: contentSha256,
          pdf,
          pdf_sha256: pdfSha256,
          generated_by: staff.id,
          generated_at: now,
        })
        .execute();
      await recordEvent(trx, {
        type: 'callback.first_use_report_generated',
        actor: staff,
        subject: { type: 'callback_report', id },
        payload: {
          contentSha256,
          pdfSha256,
          pdfBytes: pdf.length,
          firstUseDate: content.implementation.firstUseDate,
          gaps: content.gaps.length,
        },
        at: now,
      });
    });
    return { reportId: id, generatedAt: now, contentSha256, pdfSha256, content };
  }

  async function findReport(actor: Actor, id: string) {
    requireRole(actor, 'compliance_officer', 'auditor');
    const r = await db.selectFrom('callback_reports').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw new AppError('NOT_FOUND', 'No such report');
    return r;
  }

  /** A kept report: its JSON as generated. */
  async function getReport(actor: Actor, id: string) {
    const r = await findReport(actor, id);
    return {
      reportId: r.id,
      kind: r.kind,
      generatedAt: r.generated_at,
      generatedBy: r.generated_by,
      contentSha256: r.content_sha256,
      pdfSha256: r.pdf_sha256,
      content: r.content as FirstUseReportContent,
    };
  }

  /** A kept report's PDF, byte for byte. */
  async function getReportPdf(actor: Actor, id: string) {
    const r = await findReport(actor, id);
    return { pdf: r.pdf, sha256: r.pdf_sha256, filename: `first-use-report-${r.id}.pdf` };
  }

  async function listReports(actor: Actor) {
    requireRole(actor, 'compliance_officer', 'auditor');
    const rows = await db
      .selectFrom('callback_reports')
      .select(['id', 'kind', 'generated_at', 'generated_by', 'content_sha256', 'pdf_sha256'])
      .orderBy('generated_at', 'desc')
      .orderBy('id', 'desc')
      .limit(100)
      .execute();
    return rows.map((r) => ({
      reportId: r.id,
      kind: r.kind,
      generatedAt: r.generated_at,
      generatedBy: r.generated_by,
      contentSha256: r.content_sha256,
      pdfSha256: r.pdf_sha256,
    }));
  }

  return { previewFirstUseReport, generateFirstUseReport, getReport, getReportPdf, listReports };
}
export type FirstUseReportService = ReturnType<typeof createFirstUseReportService>;
