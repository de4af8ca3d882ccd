import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { verificationAnswer, verificationBody, verifyPageQuery } from '@wangbao/contracts/public';
import type { RouteOptions } from '../../http.js';
import type { VerificationService } from './verification.service.js';

const tags = ['验真 verification'];

const STANDING_ZH = { in_force: '有效', not_yet_effective: '尚未生效', expired: '已满期', cancelled: '已解除' } as const;
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page the QR code on a policy opens: zh-CN, readable on a phone, no script. */
function page(r: Awaited<ReturnType<VerificationService['verify']>> | { error: string }): string {
  let body: string;
  if ('error' in r) body = `<p class="bad">${esc(r.error)}</p>`;
  else if (!r.genuine || !r.policy)
    body = '<p class="bad">未能验证：保单号或验真码不正确。</p><p>请核对保单上印制的保单号与验真码，或致电保险公司客服。</p>';
  else {
    const p = r.policy;
    const rows: Array<[string, string]> = [
      ['保单号', p.policyNumber],
      ['保险公司', p.insurer],
      ['产品', p.productName],
      ['备案编号', p.filingNumber],
      ['投保人', p.policyholder],
      ['保险期间', `${p.effectiveDate} 至 ${p.endDate}`],
      ['保单状态', STANDING_ZH[p.standing]],
    ];
    body =
      `<p class="ok">验证通过：此保单为${esc(p.insurer)}签发的真实保单。</p><table>${rows.map(([k, v]) => `<tr><th>${k}</th><td>${esc(v)}</td></tr>`).join('')}</table>` +
      (r.ledger ? `<p class="small">签发记录已写入可回溯账本（第 ${r.ledger.leafIndex} 条），包含证明可通过接口获取并独立核验。</p>` : '');
  }
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>保单验真</title>
<style>body{font-family:system-ui,sans-serif;margin:1.5rem;max-width:40rem}table{border-collapse:collapse}th{text-align:left;padding:.3rem 1rem .3rem 0;color:#555;font-weight:normal}td{padding:.3rem 0}.ok{color:#0a7d2c;font-weight:bold}.bad{color:#b00020;font-weight:bold}.small{color:#666;font-size:.85rem}</style></head>
<body><h1>保单验真</h1>${body}</body></html>`;
}

/** Public policy verification (M§12(6)): no session; rate-limited in the service. */
export const verificationRoutes: FastifyPluginAsync<RouteOptions> = async (fastify, { services }) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { verification } = services;

  app.post(
    '/v1/public/policy-verifications',
    {
      schema: {
        tags,
        summary: 'Verify a policy by its number and verification code',
        description: 'Is this policy genuine and in force? An unknown number and a wrong code get the same answer.',
        body: verificationBody,
        response: { 200: verificationAnswer },
        errors: ['RATE_LIMITED'],
      },
    },
    async (req) => verification.verify({ policyNumber: req.body.policyNumber, code: req.body.code, client: req.ip }),
  );

  app.get(
    '/verify',
    {
      schema: {
        tags,
        summary: 'The verification page (HTML)',
        description: 'The page the QR code on a policy opens (zh-CN HTML).',
        querystring: verifyPageQuery,
      },
    },
    async (req, reply) => {
      try {
        const r = await verification.verify({ policyNumber: req.query.n, code: req.query.c, client: req.ip });
        return reply.type('text/html; charset=utf-8').send(page(r));
      } catch (e) {
        if ((e as { code?: string }).code === 'RATE_LIMITED')
          return reply
            .code(429)
            .type('text/html; charset=utf-8')
            .send(page({ error: '查询过于频繁，请稍后再试。' }));
        throw e;
      }
    },
  );
};
