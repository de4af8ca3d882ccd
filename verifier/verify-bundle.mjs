#!/usr/bin/env node
// @ts-check
/**
 * wangbao ledger bundle verifier: checks an export bundle offline, with no database and no wangbao server code.
 *
 *   node verifier/verify-bundle.mjs [--json] [--public-key log-key.pem] bundle.json
 *
 * Exit status: 0 everything verifies · 1 a check failed (the report names it) · 2 the bundle (or a given key file)
 * cannot be read, or bad usage. Needs Node.js ≥ 20; SM2 bundles also need the @noble/curves package.
 */
import { readFileSync } from 'node:fs';
import { formatReport } from './lib/report.mjs';
import { problem, unreadable, verifyBundle } from './lib/verify.mjs';

const USAGE = `usage: node verifier/verify-bundle.mjs [--json] [--public-key <log key PEM file>] <bundle.json>
  --json            print the result as one JSON object instead of the report
  --public-key F    the log's public key as you obtained it from the insurer (not from the bundle): the bundle's key must be this one
exit status: 0 verified, 1 a check failed, 2 unreadable bundle or bad usage
用法：node verifier/verify-bundle.mjs [--json] [--public-key <日志公钥 PEM 文件>] <证据包.json>
退出码：0 校验通过，1 校验失败，2 证据包无法读取或用法错误
`;

/** @param {string[]} argv */
async function main(argv) {
  let json = false;
  /** @type {string | undefined} */
  let keyFile;
  /** @type {string[]} */
  const files = [];
  for (let i = 0; i < argv.length; i++) {
    const a = /** @type {string} */ (argv[i]);
    if (a === '--json') json = true;
    else if (a === '--public-key') {
      keyFile = argv[++i];
      if (keyFile === undefined) return usage('--public-key needs a file');
    } else if (a.startsWith('--public-key=')) keyFile = a.slice('--public-key='.length);
    else if (a === '-h' || a === '--help') {
      process.stdout.write(USAGE);
      return 0;
    } else if (a.startsWith('-') && a !== '-') return usage(`unknown option ${a}`);
    else files.push(a);
  }
  if (files.length !== 1) return usage('give exactly one bundle file');
  const file = /** @type {string} */ (files[0]);

  /** @param {string} en @param {string} zh */
  const cannotRead = (en, zh) => print(unreadable(problem('BUNDLE_UNREADABLE', en, zh)));
  /** @param {import('./lib/verify.mjs').VerifyResult} result */
  const print = (result) => {
    process.stdout.write(json ? JSON.stringify({ file, ...result }, null, 2) + '\n' : formatReport(result, file));
    return result.exit_code;
  };

  let bytes;
  try {
    bytes = file === '-' ? readFileSync(0) : readFileSync(file);
  } catch (e) {
    const why = /** @type {Error} */ (e).message;
    return cannotRead(`cannot read the bundle file: ${why}`, `无法读取证据包文件：${why}`);
  }
  /** @type {string | undefined} */
  let publicKeyPem;
  if (keyFile !== undefined) {
    try {
      publicKeyPem = readFileSync(keyFile, 'utf8');
    } catch (e) {
      const why = /** @type {Error} */ (e).message;
      return cannotRead(`cannot read the --public-key file: ${why}`, `无法读取 --public-key 公钥文件：${why}`);
    }
  }
  return print(await verifyBundle(bytes, publicKeyPem === undefined ? {} : { publicKeyPem }));
}

/** @param {string} why */
function usage(why) {
  process.stderr.write(`${why}\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`verifier error: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 2;
  },
);
