// @ts-check
/**
 * The human-readable report: every line in English, then in Chinese.
 */

/**
 * @param {import('./verify.mjs').VerifyResult} r
 * @param {string} file
 * @returns {string}
 */
export function formatReport(r, file) {
  /** @type {string[]} */
  const out = [];
  const line = (/** @type {string} */ en, /** @type {string} */ zh) => {
    out.push(en);
    if (zh) out.push(`  ${zh}`);
  };
  line(`wangbao ledger bundle verification: ${file}`, `网保可回溯账本证据包校验：${file}`);
  if (r.exit_code === 2) {
    for (const f of r.failures) line(`✗ [${f.code}] ${f.en}`, f.zh);
    if (r.failures.some((f) => f.code === 'VERIFIER_UNAVAILABLE'))
      line('RESULT: NOT CHECKED: this machine cannot verify the bundle (exit 2)', '结论：未校验，本机环境无法校验该证据包（退出码 2）');
    else line('RESULT: UNREADABLE: the bundle could not be checked (exit 2)', '结论：无法读取，证据包未能校验（退出码 2）');
    return out.join('\n') + '\n';
  }
  const cp = r.checkpoint;
  line(`log: ${r.origin} · hash ${r.hash}`, `日志：${r.origin} · 哈希算法 ${r.hash}`);
  if (cp && cp.size !== null) line(`checkpoint: tree size ${cp.size}, root ${cp.root}`, `检查点：树大小 ${cp.size}，根哈希 ${cp.root}`);
  if (cp?.ok && cp.signer) {
    line(
      `✓ checkpoint signed by ${cp.signer.name} (${cp.signer.algorithm}, key ID ${cp.signer.key_id})${cp.key_pinned ? ', the key you pinned' : ''}`,
      `✓ 检查点签名有效：${cp.signer.name}（${cp.signer.algorithm}，密钥 ID ${cp.signer.key_id}）${cp.key_pinned ? '，与指定公钥一致' : ''}`,
    );
    line(`  vkey ${cp.signer.vkey}`, '');
  }
  const okEntries = r.entries.filter((e) => e.ok).length;
  const okSnaps = r.snapshots.filter((s) => s.ok).length;
  line(
    `${okEntries === r.entries.length ? '✓' : '✗'} entries: ${okEntries} of ${r.entries.length} verified (canonical JSON, inclusion proof, text version)`,
    `${okEntries === r.entries.length ? '✓' : '✗'} 记录：${r.entries.length} 条中 ${okEntries} 条通过（规范 JSON、包含证明、文本版本）`,
  );
  line(
    `${okSnaps === r.snapshots.length ? '✓' : '✗'} snapshots: ${okSnaps} of ${r.snapshots.length} verified (content hash)`,
    `${okSnaps === r.snapshots.length ? '✓' : '✗'} 页面快照：${r.snapshots.length} 个中 ${okSnaps} 个通过（内容哈希）`,
  );
  for (const f of r.failures) line(`✗ [${f.code}] ${f.en}`, f.zh);
  for (const w of r.warnings) line(`! [${w.code}] ${w.en}`, w.zh);
  if (r.ok)
    line(
      'RESULT: VERIFIED: every entry is in the signed log and every page snapshot is the one recorded',
      '结论：校验通过。所有记录均在已签名的日志中，所有页面快照均与记录一致',
    );
  else line(`RESULT: FAILED: ${r.failures.length} problem(s)`, `结论：校验失败，共 ${r.failures.length} 个问题`);
  return out.join('\n') + '\n';
}
