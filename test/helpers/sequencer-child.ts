/**
 * A sequencer in a process of its own, for the crash test: integrates batches as fast as it can until it is
 * killed. Prints "ready" once connected and "batch <size>" after each committed batch.
 */
import { createDb } from '../../server/db/database.js';
import { createLedgerService } from '../../server/ledger/ledger.service.js';
import { generateSigner } from '../../server/ledger/signer.js';
import { systemClock } from '../../server/platform/clock.js';

const { db } = createDb(process.env.DATABASE_URL!, 2);
const ledger = createLedgerService({
  db,
  clock: systemClock,
  config: {
    origin: 'ledger.wangbao.local/v1',
    suite: 'sha256',
    signer: generateSigner('ed25519', 'ledger.wangbao.local/v1').signer,
    batchSize: Number(process.env.BATCH ?? 40),
  },
});
process.stdout.write('ready\n');
for (;;) {
  const r = await ledger.integrateBatch();
  if (r.integrated) process.stdout.write(`batch ${r.treeSize}\n`);
  else await new Promise((res) => setTimeout(res, 5));
}
