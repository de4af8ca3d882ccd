/**
 * npm run bench:journey — N full purchase journeys (sign-in to issued policy) at concurrency C, over HTTP, against
 * the real server in a child process on PostgreSQL. Prints per-step latencies, policies per second, a TPC-B-like
 * baseline through the server's own pool, the ratio of journey write requests per second to it, and the server's
 * peak RSS, and the server process's user+system CPU time per issued policy. Step latencies are per HTTP call. Last line: one JSON object.
 *
 *   BENCH_JOURNEYS=1000 BENCH_CONCURRENCY=32 DATABASE_URL=postgres://… npm run bench:journey
 */
import { buyPolicy, fetchSender, type Send } from '../test/helpers/journey.js';
import { makePerson } from '../test/helpers/people.js';
import { pct, rssOf, startBenchServer } from './harness.js';

const N = Number(process.env.BENCH_JOURNEYS ?? 1000);
const C = Number(process.env.BENCH_CONCURRENCY ?? 32);

const server = await startBenchServer({ dbPrefix: 'wb_bench', poolSize: Math.min(40, Math.max(10, C)) });
const { base, child, waitFor } = server;

let writes = 0;
const http = fetchSender(base);
const send: Send = (req) => {
  if (req.method !== 'GET') writes++;
  return http(req);
};

const products = [
  { productCode: 'ACCIDENT_1Y', termYears: 1, paymentMode: 'single' as const, sumInsuredFen: 50_000_000, age: '1990-05-17' },
  { productCode: 'MEDICAL_1Y', termYears: 1, paymentMode: 'single' as const, sumInsuredFen: 200_000_000, age: '1992-08-09' },
];

const stepTimes: Record<string, number[]> = {};
let done = 0;
let failed = 0;
const cpu0 = await server.cpuMs();
const t0 = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: C }, async () => {
    while (next < N) {
      const i = next++;
      const p = products[i % products.length]!;
      const person = makePerson(`测试${i}`, p.age, i % 2 ? 'M' : 'F');
      try {
        const r = await buyPolicy(send, { ...p, policyholder: person });
        for (const [k, v] of Object.entries(r.timings)) (stepTimes[k] ??= []).push(...v);
        done++;
      } catch (e) {
        failed++;
        if (failed <= 3) console.error(String(e).slice(0, 400), (e as { cause?: unknown }).cause ?? '');
      }
    }
  }),
);
const seconds = (performance.now() - t0) / 1000;
const cpuMs = (await server.cpuMs()) - cpu0;
const mem = rssOf(child.pid!);
child.send({ type: 'baseline', seconds: 10, concurrency: C });
const { tps: baselineTps } = await waitFor<{ tps: number }>('baseline');
await server.stop();

const p50: Record<string, number> = {};
const p99: Record<string, number> = {};
for (const [k, xs] of Object.entries(stepTimes)) {
  if (!xs.length) continue;
  p50[k] = pct(xs, 0.5);
  p99[k] = pct(xs, 0.99);
}
const writeRate = writes / seconds;
console.log(`journeys: ${done} issued, ${failed} failed, in ${seconds.toFixed(1)} s at concurrency ${C}`);
console.log(`server CPU ${(cpuMs / 1000).toFixed(1)} s user+system, ${done ? (cpuMs / done).toFixed(1) : '-'} ms per issued policy`);
console.log(
  `server RSS now ${mem.rssMb} MB, peak ${mem.hwmMb} MB; write requests ${writes} (${writeRate.toFixed(0)}/s); baseline ${baselineTps.toFixed(0)} tps`,
);
console.log(
  JSON.stringify({
    bench: 'journey',
    policies_per_s: Math.round((done / seconds) * 10) / 10,
    p50_ms: p50,
    p99_ms: p99,
    baseline_tps: Math.round(baselineTps),
    ratio: Math.round((writeRate / baselineTps) * 1000) / 1000,
    rss_mb: mem.hwmMb,
    server_cpu_ms_per_policy: done ? Math.round((cpuMs / done) * 10) / 10 : null,
    journeys: done,
    failed,
    concurrency: C,
  }),
);
