import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from './embedded.js';

describe('startEmbeddedPostgres', () => {
  it('refuses a data directory another live process holds, naming it', async () => {
    const dir = `./data/lock-test-${process.pid}`;
    mkdirSync('./data', { recursive: true });
    // A live process other than this one holds the lock.
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      writeFileSync(`${dir}.lock`, String(holder.pid));
      await expect(startEmbeddedPostgres({ dir, port: 54999 })).rejects.toThrow(
        new RegExp(`in use by process ${holder.pid}.*DATABASE_URL`),
      );
    } finally {
      holder.kill();
      rmSync(`${dir}.lock`, { force: true });
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
