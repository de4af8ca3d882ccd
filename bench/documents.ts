/**
 * Renders and signs e-policies (two parties, cover table, 20-row cash-value table, highlighted exclusions, QR code,
 * ledger footer) in a loop and reports throughput. Rendering is CPU-bound JavaScript, so the work is spread over
 * worker threads, one per core by default; each worker loads the fonts once and renders documents one after another.
 *
 *   npm run bench:documents
 *   BENCH_DOCUMENTS_SECONDS=10 BENCH_DOCUMENTS_WORKERS=2 BENCH_DOCUMENTS_ALGORITHM=rsa-sha256 npm run bench:documents
 *
 * Prints, last, one JSON line: {"bench":"documents","pdfs_per_s":…,"p99_ms":…,"pdf_kb":…}
 */
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { createDocumentEngine, loadOrCreateDevCa, type SignatureAlgorithm } from '../server/modules/documents/index.js';
import { samplePolicyModel } from '../server/modules/documents/sample-policy.js';

interface Job {
  caDir: string;
  algorithm: SignatureAlgorithm;
  seconds: number;
  worker: number;
  startAt: number;
}
interface Result {
  latenciesMs: number[];
  bytes: number;
  count: number;
  finishedAt: number;
}

const HOLDERS = ['王喆', '李堃', '赵赟', '𠮷野', '欧阳娜娜', '司马懿', '张三丰', '龚珺'];

function policyModel(i: number, worker: number) {
  const model = samplePolicyModel({
    policyNumber: `P2025${String(worker).padStart(2, '0')}${String(i).padStart(8, '0')}K`,
    verificationCode: `${(i * 7919).toString(36).toUpperCase().padStart(4, '0').slice(-4)}-${worker}Q7M`,
  });
  // Vary the names so the glyph sets differ from one document to the next, as they do in production.
  const fields = model.sections[0]!.blocks[0]!;
  if (fields.kind === 'fields') {
    fields.rows[0]!.value = HOLDERS[i % HOLDERS.length]!;
    fields.rows[2]!.value = HOLDERS[(i + 3) % HOLDERS.length]!;
  }
  return model;
}

async function runWorker(job: Job): Promise<Result> {
  const ca = loadOrCreateDevCa(job.caDir, { algorithm: job.algorithm });
  const engine = createDocumentEngine({ signer: ca.signer, defaults: { reason: '电子保险单签章' } });
  // Warm-up: font tables, glyph caches, JIT.
  for (let i = 0; i < 5; i++) await engine.sign(await engine.render(policyModel(i, job.worker)), new Date());
  while (Date.now() < job.startAt) await new Promise((r) => setTimeout(r, 5));
  const until = job.startAt + job.seconds * 1000;
  const latenciesMs: number[] = [];
  let bytes = 0;
  for (let i = 0; Date.now() < until; i++) {
    const t0 = performance.now();
    const pdf = await engine.sign(await engine.render(policyModel(i, job.worker)), new Date());
    latenciesMs.push(performance.now() - t0);
    bytes += pdf.length;
  }
  return { latenciesMs, bytes, count: latenciesMs.length, finishedAt: Date.now() };
}

if (!isMainThread) {
  parentPort!.postMessage(await runWorker(workerData as Job));
} else {
  const seconds = Number(process.env.BENCH_DOCUMENTS_SECONDS ?? 10);
  const workers = Number(process.env.BENCH_DOCUMENTS_WORKERS ?? availableParallelism());
  const algorithm = (process.env.BENCH_DOCUMENTS_ALGORITHM ?? 'ecdsa-p256-sha256') as SignatureAlgorithm;
  const caDir = process.env.BENCH_DOCUMENTS_CA_DIR ?? join(tmpdir(), 'wangbao-bench-documents-ca');
  // Created here once, so the workers only load it.
  loadOrCreateDevCa(caDir, { algorithm });
  // Workers start measuring together, after every one has loaded its fonts and warmed up.
  const startAt = Date.now() + 8_000;
  console.log(`documents bench: ${workers} worker thread(s), ${seconds} s, ${algorithm}, e-policy with a 20-row cash-value table`);
  const results = await Promise.all(
    Array.from(
      { length: workers },
      (_, worker) =>
        new Promise<Result>((resolve, reject) => {
          // tsx's loader does not reach worker threads; each worker loads this TypeScript file through tsx's API.
          const self = JSON.stringify(import.meta.url);
          const w = new Worker(`import('tsx/esm/api').then(({ tsImport }) => tsImport(${self}, ${self}))`, {
            eval: true,
            workerData: { caDir, algorithm, seconds, worker, startAt } satisfies Job,
          });
          w.once('message', (m: Result) => resolve(m));
          w.once('error', reject);
        }),
    ),
  );
  const count = results.reduce((n, r) => n + r.count, 0);
  const elapsed = (Math.max(...results.map((r) => r.finishedAt)) - startAt) / 1000;
  const latencies = results.flatMap((r) => r.latenciesMs).sort((a, b) => a - b);
  const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  const bytes = results.reduce((n, r) => n + r.bytes, 0);
  console.log(`signed e-policies: ${count} in ${elapsed.toFixed(2)} s; latency p50 ${p(0.5).toFixed(1)} ms, p99 ${p(0.99).toFixed(1)} ms`);
  console.log(
    JSON.stringify({
      bench: 'documents',
      pdfs_per_s: Number((count / elapsed).toFixed(1)),
      p99_ms: Number(p(0.99).toFixed(1)),
      pdf_kb: Number((bytes / count / 1024).toFixed(1)),
    }),
  );
}
