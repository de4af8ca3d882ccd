import { spawnSync, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJourneyContext, type JourneyContext } from '../../../test/helpers/journey-context.js';
import { createCallbackFactory, type CallbackFactory } from '../../../test/helpers/callback-factory.js';
import type { StaffRole } from '../../platform/actor.js';
import { addDays, shanghaiDate, shanghaiMidnight } from '../../platform/dates.js';

import { reportDueDate } from './first-use-report.js';
import { lacks } from '../../../test/helpers/system-tools.js';
import { signedInStaff } from '../../../test/helpers/staff.js';
/** A signed-in member of staff with these roles. */
const staffToken = async (ctx: { db: JourneyContext['db']; clock: JourneyContext['clock'] }, roles: StaffRole[]) =>
  signedInStaff(ctx, roles);

const DAY = 86_400_000;

describe('the callback quality console', () => {
  let ctx: JourneyContext;
  let f: CallbackFactory;
  const tokens = {} as Record<'compliance' | 'auditor' | 'agent' | 'underwriter', string>;
  const staffIds = {} as Record<keyof typeof tokens, string>;

  const call = async (method: 'GET' | 'POST', url: string, token: string | undefined, body?: unknown) => {
    const res = await ctx.app.inject({
      method,
      url,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(body !== undefined ? { payload: body as object } : {}),
    });
    return {
      status: res.statusCode,
      body: res.headers['content-type']?.toString().includes('json') ? res.json() : res.rawPayload,
      headers: res.headers,
    };
  };

  beforeAll(async () => {
    ctx = await createJourneyContext({
      env: {
        CALLBACK_REGIONS: '北京市,上海市',
        CALLBACK_MANAGEMENT_RULES: 'flow=《电子化回访管理办法》;sampling=《回访质量抽检实施细则》;problems=《回访问题件处理规程》',
        CALLBACK_SAMPLING_DEFAULT_RATE: '0.2',
      },
    });
    f = createCallbackFactory(ctx);
    for (const [k, role] of [
      ['compliance', 'compliance_officer'],
      ['auditor', 'auditor'],
      ['agent', 'callback_agent'],
      ['underwriter', 'underwriter'],
    ] as const) {
      const s = await staffToken(ctx, [role]);
      tokens[k] = s.token;
      staffIds[k] = s.id;
    }
  }, 120_000);
  afterAll(async () => ctx?.close());

  it('§2.7 figures: compliance officers and auditors read them, other roles and anonymous callers are refused, a bad period is a 400', async () => {
    const opened = new Date(Date.parse('2026-03-31T16:00:00Z') + DAY);
    await f.makeCase({ outcome: 'electronic', openedAt: opened, completeAfterMs: 2 * 3_600_000 });
    await f.makeCase({ outcome: 'failed', openedAt: opened, completeAfterMs: 40 * DAY });
    const ok = await call('GET', '/v1/console/callback-figures?from=2026-04-01&to=2026-05-01', tokens.compliance);
    expect(ok.status).toBe(200);
    expect(ok.body.total).toMatchObject({ opened: 2, concluded: 2, succeeded: 1, successRate: '0.5000', medianSeconds: 7200 });
    expect((await call('GET', '/v1/console/callback-figures?from=2026-04-01&to=2026-05-01', tokens.auditor)).status).toBe(200);
    expect((await call('GET', '/v1/console/callback-figures?from=2026-04-01&to=2026-05-01', tokens.agent)).body.code).toBe('FORBIDDEN');
    expect((await call('GET', '/v1/console/callback-figures?from=2026-04-01&to=2026-05-01', undefined)).body.code).toBe('UNAUTHENTICATED');
    const bad = await call('GET', '/v1/console/callback-figures?from=2026-05-01&to=2026-04-01', tokens.compliance);
    expect([bad.status, bad.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect((await call('GET', '/v1/console/callback-figures?from=April&to=2026-04-01', tokens.compliance)).status).toBe(400);
  });

  it('§2.7 sampling through the console: a rule, a draw, a review that fails, the rework done by an agent, the re-review', async () => {
    const rule = await call('POST', '/v1/console/callback-sampling/rules', tokens.compliance, {
      channel: 'direct',
      productCode: 'UNIVERSAL_10Y',
      rate: '1',
      reason: '万能险全检',
    });
    expect(rule.status).toBe(201);
    expect((await call('POST', '/v1/console/callback-sampling/rules', tokens.compliance, { rate: '1.5', reason: 'x' })).status).toBe(400);
    expect(
      (
        await call('POST', '/v1/console/callback-sampling/rules', tokens.compliance, {
          rate: '0.1',
          reason: 'x',
          effectiveFrom: '2020-01-01T00:00:00Z',
        })
      ).body.code,
    ).toBe('SAMPLING_RULE_RETROACTIVE');
    expect((await call('POST', '/v1/console/callback-sampling/rules', tokens.auditor, { rate: '0.1', reason: 'x' })).status).toBe(403);
    // Completed after the rule took effect (the draw does not wait for the clock; staff sessions would time out).
    const c = await f.makeCase({
      productCode: 'UNIVERSAL_10Y',
      outcome: 'electronic',
      openedAt: new Date(ctx.clock.now().getTime() + DAY),
    });
    expect((await call('POST', '/v1/console/callback-sampling/draws', tokens.agent)).status).toBe(403);
    const run = await call('POST', '/v1/console/callback-sampling/draws', tokens.compliance);
    expect(run.status).toBe(200);
    expect(run.body.drawn).toBeGreaterThanOrEqual(1);

    const list = await call('GET', '/v1/console/callback-samples?status=awaiting_review', tokens.auditor);
    const item = list.body.items.find((s: any) => s.caseId === c.caseId);
    expect(item).toMatchObject({ status: 'awaiting_review', productCode: 'UNIVERSAL_10Y', rate: '1' });
    const sample = (await call('GET', `/v1/console/callback-samples/${item.sampleId}`, tokens.compliance)).body;
    expect(sample.checks.length).toBe(14);
    const items = sample.checks.map((x: any) => ({
      code: x.code,
      result: x.computed === 'not_applicable' ? 'not_applicable' : x.code === 'no_sales_interference' ? 'fail' : 'pass',
      note: x.code === 'no_sales_interference' ? '录屏显示他人代答' : undefined,
    }));
    expect(
      (
        await call('POST', `/v1/console/callback-samples/${item.sampleId}/reviews`, tokens.compliance, {
          previousReviewId: null,
          items: items.slice(1),
          findings: '代答',
        })
      ).body.code,
    ).toBe('SAMPLE_CHECKLIST_INCOMPLETE');
    const reviewed = await call('POST', `/v1/console/callback-samples/${item.sampleId}/reviews`, tokens.compliance, {
      previousReviewId: null,
      items,
      findings: '疑似代答',
    });
    expect(reviewed.status).toBe(201);
    expect(reviewed.body.status).toBe('rework_open');

    const reworks = await call('GET', '/v1/console/callback-sample-reworks?open=true', tokens.agent);
    const rework = reworks.body.items.find((w: any) => w.sampleId === item.sampleId);
    expect(rework.failedItems).toEqual(['no_sales_interference']);
    expect(
      (
        await call('POST', `/v1/console/callback-sample-reworks/${rework.reworkId}/completion`, tokens.agent, {
          outcome: 'redone',
          note: 'x',
        })
      ).status,
    ).toBe(400);
    const done = await call('POST', `/v1/console/callback-sample-reworks/${rework.reworkId}/completion`, tokens.agent, {
      outcome: 'callback_redone',
      note: '已与投保人本人电话确认',
      referenceId: c.attemptIds[0],
    });
    expect([done.status, done.body.status]).toEqual([201, 'awaiting_re_review']);
    const passed = await call('POST', `/v1/console/callback-samples/${item.sampleId}/reviews`, tokens.compliance, {
      previousReviewId: reviewed.body.reviews[0].reviewId,
      items: items.map((i: any) => (i.code === 'no_sales_interference' ? { code: i.code, result: 'pass' } : i)),
    });
    expect([passed.status, passed.body.status, passed.body.reviews.length]).toEqual([201, 'passed', 2]);

    const audit = await call('GET', '/v1/console/callback-sampling/audit?from=2026-01-01&to=2027-01-01', tokens.auditor);
    expect(audit.status).toBe(200);
    expect(audit.body.mismatches).toEqual([]);
    expect(audit.body.checked).toBeGreaterThanOrEqual(1);
  });

  it('§2.7 the first-use report: its facts come from configuration and the database, as JSON and as a PDF kept byte for byte', async () => {
    expect((await call('POST', '/v1/console/callback-reports/first-use', tokens.auditor)).status).toBe(403);
    const preview = await call('GET', '/v1/console/callback-reports/first-use/preview', tokens.auditor);
    expect(preview.status).toBe(200);

    const res = await call('POST', '/v1/console/callback-reports/first-use', tokens.compliance);
    expect(res.status).toBe(201);
    const { reportId, contentSha256, pdfSha256, content } = res.body;
    expect(content.regions).toEqual(['北京市', '上海市']);
    expect(content.insurer).toBe(ctx.config.INSURER_NAME);

    const first = await ctx.db
      .selectFrom('callback_cases')
      .select((eb) => eb.fn.min('opened_at').as('first'))
      .executeTakeFirstOrThrow();
    const firstUse = shanghaiDate(new Date(first.first!));
    expect(content.implementation).toMatchObject({ firstUseDate: firstUse, source: 'first_case', reportDueDate: reportDueDate(firstUse) });

    const channels = await ctx.db
      .selectFrom('callback_cases')
      .select(['channel', (eb) => eb.fn.countAll<string>().as('n')])
      .groupBy('channel')
      .orderBy('channel')
      .execute();
    expect(content.channels).toEqual(
      channels.map((c) => ({
        channel: c.channel,
        label: c.channel === 'direct' ? '自营网络平台' : c.channel,
        cases: Number(c.n),
        source: 'cases',
      })),
    );
    // Products over one year are in; the one-year products on sale are not.
    expect(content.products.map((p: any) => p.productCode).sort()).toEqual(['TERM_LIFE_20Y', 'UNIVERSAL_10Y']);
    const term = content.products.find((p: any) => p.productCode === 'TERM_LIFE_20Y');
    expect(term).toMatchObject({ faceRequired: true, basis: 'term_over_one_year', termYears: [20] });
    expect(term.cases).toBe(
      Number(
        (
          await ctx.db
            .selectFrom('callback_cases')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .where('product_code', '=', 'TERM_LIFE_20Y')
            .executeTakeFirstOrThrow()
        ).n,
      ),
    );
    expect(content.identityMethods.map((m: any) => m.method)).toEqual(['sms_code', 'id_number', 'face']);
    expect(content.identityMethods.find((m: any) => m.method === 'face')).toMatchObject({
      provider: ctx.platform.face.name,
      appliesTo: expect.stringContaining(term.name),
    });
    expect(content.identityMethods.find((m: any) => m.method === 'sms_code').provider).toBe(ctx.platform.sms.name);
    expect(content.managementRules.find((r: any) => r.area === 'flow').document).toBe('《电子化回访管理办法》');
    expect(content.sampling.defaultRate).toBe('0.2');
    expect(content.sampling.rules).toEqual(
      expect.arrayContaining([expect.objectContaining({ channel: 'direct', productCode: 'UNIVERSAL_10Y', rate: '1' })]),
    );
    // The figures run from the first-use date to today, as the clock says.
    const untilToday = shanghaiMidnight(addDays(shanghaiDate(ctx.clock.now()), 1));
    const openedSoFar = await ctx.db
      .selectFrom('callback_cases')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('opened_at', '<', untilToday)
      .executeTakeFirstOrThrow();
    expect(content.figures.period).toEqual({ from: firstUse, to: addDays(shanghaiDate(ctx.clock.now()), 1), basis: 'opened_at' });
    expect(content.figures.total.opened).toBe(Number(openedSoFar.n));
    // What neither configuration nor the database holds is a gap, never invented.
    expect(content.gaps).toEqual([
      '管理制度“电子档案管理”的制度文件（CALLBACK_MANAGEMENT_RULES 中的 archive）',
      '管理制度“纠纷处理”的制度文件（CALLBACK_MANAGEMENT_RULES 中的 disputes）',
      '管理制度“内部责任追究”的制度文件（CALLBACK_MANAGEMENT_RULES 中的 accountability）',
    ]);
    expect(contentSha256).toBe(createHash('sha256').update(JSON.stringify(content)).digest('hex'));

    const kept = await call('GET', `/v1/console/callback-reports/${reportId}`, tokens.auditor);
    expect(kept.body).toMatchObject({ reportId, contentSha256, pdfSha256, content });
    const pdf = await call('GET', `/v1/console/callback-reports/${reportId}/pdf`, tokens.auditor);
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const bytes = pdf.body as Buffer;
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(pdfSha256);
    expect((await call('GET', `/v1/console/callback-reports/${reportId}/pdf`, tokens.agent)).status).toBe(403);
    expect((await call('GET', '/v1/console/callback-reports/cbrp_NONE', tokens.auditor)).status).toBe(404);

    const event = await ctx.db
      .selectFrom('events')
      .select(['type', 'payload'])
      .where('subject_id', '=', reportId)
      .executeTakeFirstOrThrow();
    expect(event).toMatchObject({ type: 'callback.first_use_report_generated', payload: { contentSha256, pdfSha256, gaps: 3 } });
    await expect(
      ctx.db
        .updateTable('callback_reports')
        .set({ pdf_sha256: '0'.repeat(64) })
        .where('id', '=', reportId)
        .execute(),
    ).rejects.toThrow(/append-only/);
    expect((await call('GET', '/v1/console/callback-reports', tokens.auditor)).body.items.map((r: any) => r.reportId)).toContain(reportId);

    if (!lacks('pdftotext', 'pdfsig')) {
      const dir = mkdtempSync(join(tmpdir(), 'wb-report-'));
      try {
        writeFileSync(join(dir, 'r.pdf'), bytes);
        const text = execFileSync('pdftotext', ['-enc', 'UTF-8', '-raw', join(dir, 'r.pdf'), '-'], { encoding: 'utf8' }).replace(
          /\s+/g,
          '',
        );
        for (const s of [
          '关于首次开展人身保险电子化回访工作的报告',
          '北京市、上海市',
          '《电子化回访管理办法》',
          '客户身份真实性识别手段',
          term.name,
          '报送前须补充的事项',
          reportDueDate(firstUse),
        ])
          expect(text).toContain(s.replace(/\s+/g, ''));
        // Signed as the insurer signs its e-policies (PAdES): the report sent is provably the insurer's, unchanged.
        const sig = spawnSync('pdfsig', [join(dir, 'r.pdf')], { encoding: 'utf8' }).stdout;
        expect(sig).toContain('Signature is Valid.');
        expect(sig).toContain('Total document signed');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it('§2.7 the first-use date may be set in configuration before any callback exists', async () => {
    const other = await createJourneyContext({ env: { CALLBACK_FIRST_USE_DATE: '2026-06-01' } });
    try {
      const { token } = await staffToken(other, ['auditor']);
      const res = await other.app.inject({
        method: 'GET',
        url: '/v1/console/callback-reports/first-use/preview',
        headers: { authorization: `Bearer ${token}` },
      });
      const body = res.json();
      expect(body.content.implementation).toMatchObject({ firstUseDate: '2026-06-01', source: 'config', reportDueDate: '2026-06-15' });
      expect(body.content.channels).toEqual([{ channel: 'direct', label: '自营网络平台', cases: 0, source: 'config' }]);
      expect(body.content.gaps).toContain('开展电子化回访的地区范围（CALLBACK_REGIONS）');
      expect(body.content.figures.total.opened).toBe(0);
    } finally {
      await other.close();
    }
  });
});
