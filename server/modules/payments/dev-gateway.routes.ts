import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { gatewayOrder, gatewayTxnParam, merchantOrderParam, payerInputBody } from '@wangbao/contracts/dev';
import { isoDates, type RouteOptions } from '../../http.js';
import { AppError } from '../../platform/errors.js';
import { formatYuan } from '../../platform/money.js';
import { isDevPaymentGateway, type GatewayTxnView } from './dev-gateway.provider.js';

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const STATUS_ZH: Record<GatewayTxnView['status'], string> = { pending: '待支付', paid: '已支付', refunded: '已退款', closed: '已关闭' };

function page(title: string, inner: string): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · 开发支付网关</title>
<style>
  body { font-family: system-ui, "PingFang SC", "Microsoft YaHei", sans-serif; margin: 0; background: #f4f5f7; color: #1f2329; }
  main { max-width: 420px; margin: 24px auto; background: #fff; border-radius: 8px; padding: 20px 24px; box-shadow: 0 1px 4px rgba(0,0,0,.08); }
  h1 { font-size: 18px; margin: 0 0 4px; }
  .dev { font-size: 12px; color: #b54708; margin-bottom: 16px; }
  .amount { font-size: 32px; font-weight: 600; margin: 12px 0; }
  dl { display: grid; grid-template-columns: auto 1fr; gap: 6px 12px; font-size: 14px; margin: 0 0 16px; }
  dt { color: #646a73; }
  label { display: block; font-size: 14px; margin: 12px 0 4px; }
  input { width: 100%; box-sizing: border-box; font-size: 16px; padding: 8px; border: 1px solid #d0d3d6; border-radius: 4px; }
  button { width: 100%; margin-top: 20px; font-size: 16px; padding: 10px; border: 0; border-radius: 4px; background: #1664ff; color: #fff; }
  .note { font-size: 12px; color: #646a73; margin-top: 12px; }
</style>
</head>
<body><main>${inner}</main></body>
</html>`;
}

function payPage(t: GatewayTxnView, merchant: string): string {
  const details = `
  <div class="amount" data-amount-fen="${t.amountFen}">${escapeHtml(formatYuan(t.amountFen))}</div>
  <dl>
    <dt>收款方</dt><dd>${escapeHtml(merchant)}</dd>
    <dt>收款账户</dt><dd>****${escapeHtml(t.payeeAccountNo.slice(-4))}</dd>
    ${t.description ? `<dt>商品</dt><dd>${escapeHtml(t.description)}</dd>` : ''}
    <dt>商户订单号</dt><dd>${escapeHtml(t.merchantOrderId)}</dd>
    <dt>状态</dt><dd>${STATUS_ZH[t.status]}</dd>
  </dl>`;
  if (t.status !== 'pending') {
    return page(
      '支付',
      `<h1>支付</h1><div class="dev">开发环境模拟网关，不产生真实资金往来</div>${details}<p>该笔交易${STATUS_ZH[t.status]}，无需再次支付。</p>`,
    );
  }
  return page(
    '确认支付',
    `<h1>确认支付</h1>
  <div class="dev">开发环境模拟网关，不产生真实资金往来</div>
  ${details}
  <form method="post" action="/dev-gateway/pay/${encodeURIComponent(t.txnId)}">
    <label for="name">户名</label>
    <input id="name" name="name" required maxlength="50" autocomplete="name">
    <label for="idNumber">身份证号</label>
    <input id="idNumber" name="idNumber" required pattern="\\d{17}[\\dXx]" maxlength="18" autocomplete="off">
    <label for="accountNo">银行卡号</label>
    <input id="accountNo" name="accountNo" required inputmode="numeric" pattern="[\\d\\s]{12,23}" maxlength="23" autocomplete="off">
    <button type="submit">确认支付 ${escapeHtml(formatYuan(t.amountFen))}</button>
  </form>
  <p class="note">实名支付：请使用投保人本人名下的银行账户付款。</p>`,
  );
}

function paidPage(t: GatewayTxnView): string {
  return page(
    '支付成功',
    `<h1>支付成功</h1><div class="dev">开发环境模拟网关，不产生真实资金往来</div>
  <div class="amount">${escapeHtml(formatYuan(t.amountFen))}</div>
  <dl><dt>交易号</dt><dd>${escapeHtml(t.txnId)}</dd><dt>商户订单号</dt><dd>${escapeHtml(t.merchantOrderId)}</dd></dl>
  <p>支付结果将通知商户，请返回商户页面查看订单状态。</p>`,
  );
}

/**
 * The development gateway's own HTTP surface: the payment page a consumer is sent to, the form it posts, and a
 * query API. It stands in for an external system, so it is registered only outside production.
 */
export const devGatewayRoutes: FastifyPluginAsync<RouteOptions> = async (fastify, { platform }) => {
  const gateway = platform.payments;
  if (!isDevPaymentGateway(gateway) || platform.config.NODE_ENV === 'production') return;
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  // The payment page posts an ordinary HTML form; this parser serves this plugin only.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  const params = gatewayTxnParam;

  app.get('/dev-gateway/pay/:id', { schema: { hide: true, params } }, async (req, reply) => {
    const t = await gateway.describeTransaction(req.params.id);
    if (!t) throw new AppError('NOT_FOUND', 'No such gateway transaction');
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(payPage(t, platform.config.PREMIUM_ACCOUNT_NAME));
  });

  app.post('/dev-gateway/pay/:id', { schema: { hide: true, params, body: payerInputBody } }, async (req, reply) => {
    const t = await gateway.pay(req.params.id, req.body);
    if (req.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(paidPage(t));
    }
    return reply.send(isoDates({ txnId: t.txnId, merchantOrderId: t.merchantOrderId, status: t.status, paidAt: t.paidAt }));
  });

  app.get(
    '/dev-gateway/api/orders/:merchantOrderId',
    {
      schema: {
        hide: true,
        params: merchantOrderParam,
        response: { 200: gatewayOrder },
      },
    },
    async (req) => {
      const transactions = await gateway.listTransactions(req.params.merchantOrderId);
      if (transactions.length === 0) throw new AppError('NOT_FOUND', 'The gateway holds no transaction for this order');
      return { merchantOrderId: req.params.merchantOrderId, transactions: isoDates(transactions) };
    },
  );
};
