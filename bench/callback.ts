/**
 * npm run bench:callback — complete electronic callbacks (电子化回访) over HTTP against the real server in a child
 * process (bench/server.ts) on PostgreSQL, with the ledger sequencing as in production. The policies are bought
 * first, through the whole purchase journey, and their cases looked up; only then does the clock start. One
 * callback is what a policyholder does on the callback page: start → identity (SMS code read from the development
 * outbox, ID number, and face where the product requires it) → every item shown and answered, one at a time → the
 * closing confirmation. Half the policies are TERM_LIFE_20Y (9 items, face), half UNIVERSAL_10Y (11 items).
 *
 *   BENCH_CALLBACKS=400 BENCH_CONCURRENCY=4 DATABASE_URL=postgres://… npm run bench:callback
 *
 * Prints per-step latencies and, last, one JSON line: {"bench":"callback","callbacks_per_s":…,"p99_ms":…} where
 * p99_ms is the 99th percentile of one whole callback.
 */
import { buyPolicy, fetchSender, readLatestCode, type Send } from '../test/helpers/journey.js';
import { makeIdNumber, type Person } from '../test/helpers/people.js';
import { pct, rssOf, startBenchServer } from './harness.js';

const N = Number(process.env.BENCH_CALLBACKS ?? 400);
// Two cores run the server (one Node process), PostgreSQL and this client. Four policyholders at once already keep
// the server's event loop busy: on 2 cores, 8 gave the same callbacks per second with twice the latency.
const C = Number(process.env.BENCH_CONCURRENCY ?? 4);

const server = await startBenchServer({ dbPrefix: 'wb_bench_cb', poolSize: Math.min(40, Math.max(10, C * 2)) });
const { base, child } = server;
const send: Send = fetchSender(base);

const PRODUCTS = [
  { productCode: 'TERM_LIFE_20Y', termYears: 20, paymentMode: 'annual' as const, sumInsuredFen: 100_000_000 },
  { productCode: 'UNIVERSAL_10Y', termYears: 10, paymentMode: 'single' as const, sumInsuredFen: 10_000_000 },
];
const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周'];
const REGIONS = ['110101', '110102', '110105', '310101', '440103', '330102'];

/** Policyholder i: distinct ID number, phone and account, so no two buyers are the same person. */
function person(i: number): Person {
  const gender = i % 2 ? 'M' : 'F';
  const birthDate = '1986-09-23';
  return {
    name: `${SURNAMES[i % SURNAMES.length]}回访${i}`,
    birthDate,
    gender,
    idNumber: makeIdNumber(birthDate, gender, Math.floor(i / 2) % 500, REGIONS[Math.floor(i / 1000) % REGIONS.length]),
    phone: `136${String(i).padStart(8, '0')}`,
    accountNo: `6222${String(i).padStart(15, '0')}`,
  };
}

async function inParallel<T>(xs: readonly T[], concurrency: number, fn: (x: T, i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, xs.length) }, async () => {
      while (next < xs.length) {
        const i = next++;
        await fn(xs[i]!, i);
      }
    }),
  );
}

// ---- before the clock: policies bought, their callback cases found ----
interface Prepared {
  holder: Person;
  token: string;
  caseId: string;
}
const prepared: Prepared[] = [];
let prepFailed = 0;
const prepStart = performance.now();
await inParallel(
  Array.from({ length: N }, (_, i) => i),
  C,
  async (i) => {
    const holder = person(i);
    try {
      const r = await buyPolicy(send, { ...PRODUCTS[i % PRODUCTS.length]!, policyholder: holder });
      const list = await send({ method: 'GET', url: '/v1/callbacks', token: r.token });
      const c = (list.body.items as Array<{ id: string; policyId: string }>).find((x) => x.policyId === r.policy.id);
      if (!c) throw new Error(`no callback case for ${r.policy.id}`);
      prepared.push({ holder, token: r.token, caseId: c.id });
    } catch (e) {
      prepFailed++;
      if (prepFailed <= 3) console.error('prepare:', String(e).slice(0, 400));
    }
  },
);
const prepSeconds = (performance.now() - prepStart) / 1000;
console.log(`prepared: ${prepared.length} policies with callback cases (${prepFailed} failed) in ${prepSeconds.toFixed(1)} s`);

// ---- timed: complete electronic callbacks ----
const stepTimes: Record<string, number[]> = {};
const callbackTimes: number[] = [];
let requests = 0;
let failed = 0;

async function step(name: string, req: Parameters<Send>[0], ok: number[] = [200, 201]) {
  const t0 = performance.now();
  const res = await send(req);
  (stepTimes[name] ??= []).push(performance.now() - t0);
  requests++;
  if (!ok.includes(res.status))
    throw new Error(`${name} ${req.method} ${req.url} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
  return res.body;
}

/** One complete electronic callback, as the callback page drives it. */
async function electronicCallback(p: Prepared) {
  const url = `/v1/callbacks/${p.caseId}`;
  const token = p.token;
  await step('start', { method: 'POST', url: `${url}/start`, token });
  await step('sms_code', { method: 'POST', url: `${url}/identity/sms-codes`, token });
  const t0 = performance.now();
  const code = await readLatestCode(send, p.holder.phone);
  (stepTimes.read_outbox ??= []).push(performance.now() - t0);
  requests++;
  await step('sms_verify', { method: 'POST', url: `${url}/identity/sms-verification`, token, body: { code } });
  let view = await step('id_number', { method: 'POST', url: `${url}/identity/id-number`, token, body: { idNumber: p.holder.idNumber } });
  if (view.identity.required.includes('face')) {
    view = await step('face', {
      method: 'POST',
      url: `${url}/identity/face`,
      token,
      body: { imageBase64: Buffer.from(`live:${p.holder.name}`).toString('base64') },
    });
  }
  if (!view.identity.verified) throw new Error(`identity not verified for ${p.caseId}`);
  for (;;) {
    const item = await step('current_item', { method: 'GET', url: `${url}/current-item`, token });
    if (item.step === 'closing') {
      const done = await step('closing', {
        method: 'POST',
        url: `${url}/closing-confirmation`,
        token,
        body: { textVersionId: item.textVersionId },
      });
      if (done.status !== 'succeeded') throw new Error(`callback ${p.caseId} ended ${done.status}`);
      return;
    }
    await step(
      'answer',
      { method: 'POST', url: `${url}/answers`, token, body: { itemCode: item.itemCode, textVersionId: item.textVersionId, answer: 'yes' } },
      [201],
    );
  }
}

const t0 = performance.now();
await inParallel(prepared, C, async (p) => {
  const start = performance.now();
  try {
    await electronicCallback(p);
    callbackTimes.push(performance.now() - start);
  } catch (e) {
    failed++;
    if (failed <= 3) console.error('callback:', String(e).slice(0, 400));
  }
});
const seconds = (performance.now() - t0) / 1000;
const mem = rssOf(child.pid!);

await server.stop();

const done = callbackTimes.length;
console.log(
  `callbacks: ${done} completed, ${failed} failed, in ${seconds.toFixed(1)} s at concurrency ${C}; ${requests} requests (${(requests / seconds).toFixed(0)}/s)`,
);
console.log(`one callback: p50 ${pct(callbackTimes, 0.5)} ms, p90 ${pct(callbackTimes, 0.9)} ms, p99 ${pct(callbackTimes, 0.99)} ms`);
for (const [k, xs] of Object.entries(stepTimes))
  console.log(`  ${k.padEnd(13)} n=${String(xs.length).padStart(5)}  p50 ${pct(xs, 0.5)} ms  p99 ${pct(xs, 0.99)} ms`);
console.log(`server RSS now ${mem.rssMb} MB, peak ${mem.hwmMb} MB`);
console.log(
  JSON.stringify({
    bench: 'callback',
    callbacks_per_s: Math.round((done / seconds) * 10) / 10,
    p99_ms: pct(callbackTimes, 0.99),
    p50_ms: pct(callbackTimes, 0.5),
    step_p99_ms: Object.fromEntries(Object.entries(stepTimes).map(([k, xs]) => [k, pct(xs, 0.99)])),
    callbacks: done,
    failed,
    concurrency: C,
  }),
);
