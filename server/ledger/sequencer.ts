import type { Logger } from '../platform/logger.js';
import type { LedgerService } from './ledger.service.js';

/**
 * Runs the ledger in a server process: integrates queued entries every `sequenceMs` and signs a new checkpoint
 * every `checkpointMs` when the tree has grown. Every process may run it; the advisory lock lets one lead, and
 * a leader that dies mid-batch leaves its transaction rolled back for the next one to redo.
 */
export function startSequencer(opts: { ledger: LedgerService; logger: Logger; sequenceMs: number; checkpointMs: number }) {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let lastCheckpoint = 0;
  const tick = async () => {
    try {
      await opts.ledger.integratePending();
      if (Date.now() - lastCheckpoint >= opts.checkpointMs) {
        lastCheckpoint = Date.now();
        const c = await opts.ledger.publishCheckpoint();
        if (c.published) opts.logger.info({ treeSize: c.treeSize }, 'ledger checkpoint published');
      }
    } catch (err) {
      opts.logger.error({ err }, 'ledger sequencer failed; retrying');
    }
  };
  const loop = () => {
    if (stopped) return;
    running = tick().finally(() => {
      if (!stopped) timer = setTimeout(loop, opts.sequenceMs);
    });
  };
  let timer = setTimeout(loop, 0);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
