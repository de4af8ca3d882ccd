// @ts-check
/**
 * Verifies a wangbao traceability-ledger export bundle, offline: no database, no server code, no network.
 *
 * A bundle is trusted exactly as far as this chain holds:
 *   public key ──signs──▶ checkpoint (origin, tree size, root) ◀──inclusion proof── H(0x00 ‖ entry bytes)
 *   entry.textVersion.contentHash ══ SHA-256(snapshot.title ‖ "\n\n" ‖ snapshot.content)
 * Every link that breaks is reported as a failure that names the entry (its position in `entries` and its leaf
 * index) or the snapshot id, with an English and a Chinese message.
 */
import { createHash } from 'node:crypto';
import { decodeBase64Strict, hex } from './encoding.mjs';
import { HASH_BYTES, hasSm3, isHashSuite, leafHash } from './hash.mjs';
import { checkCanonical } from './jcs.mjs';
import { keyId, loadSm2, parsePublicKeyPem, vkey } from './keys.mjs';
import { verifyInclusion } from './merkle.mjs';
import { hex8, parseCheckpointBody, splitNote } from './note.mjs';

/**
 * @typedef {object} Problem
 * @property {string} code stable, machine-readable
 * @property {string} en
 * @property {string} zh
 * @property {number} [entry] position in the bundle's `entries` array (0-based)
 * @property {number} [index] the entry's leaf index, as the bundle states it
 * @property {string} [snapshot] snapshot (text version) id
 *
 * @typedef {object} EntryResult
 * @property {number} position
 * @property {number | null} index
 * @property {boolean} ok
 * @property {string | null} event_id
 * @property {string | null} type
 * @property {string | null} at
 * @property {string | null} text_version_id
 * @property {string | null} leaf_hash hex
 *
 * @typedef {object} SnapshotResult
 * @property {number} position
 * @property {string | null} id
 * @property {boolean} ok
 * @property {number[]} referenced_by positions of the entries that name it
 *
 * @typedef {object} CheckpointResult
 * @property {boolean} ok signature valid under the bundle's key, body well formed, origin as stated
 * @property {string | null} origin
 * @property {number | null} size
 * @property {string | null} root hex
 * @property {{ name: string, algorithm: 'ed25519' | 'sm2', key_id: string, vkey: string } | null} signer
 * @property {boolean} key_pinned true when the key was checked against one given with --public-key
 *
 * @typedef {object} VerifyResult
 * @property {boolean} ok
 * @property {0 | 1 | 2} exit_code 0 verified, 1 a check failed, 2 the bundle could not be read
 * @property {string | null} origin
 * @property {string | null} hash
 * @property {CheckpointResult | null} checkpoint
 * @property {EntryResult[]} entries
 * @property {SnapshotResult[]} snapshots
 * @property {Problem[]} failures
 * @property {Problem[]} warnings
 *
 * @typedef {object} VerifyOptions
 * @property {string} [publicKeyPem] the log's public key as the auditor obtained it independently (pins the key)
 */

/**
 * @param {string} code @param {string} en @param {string} zh @param {Partial<Pick<Problem, 'entry' | 'index' | 'snapshot'>>} [where]
 * @returns {Problem}
 */
export function problem(code, en, zh, where = {}) {
  return { code, ...where, en, zh };
}

/**
 * The result for a bundle that cannot be read (exit 2).
 * @param {Problem} p @returns {VerifyResult}
 */
export function unreadable(p) {
  return { ok: false, exit_code: 2, origin: null, hash: null, checkpoint: null, entries: [], snapshots: [], failures: [p], warnings: [] };
}

/** @param {unknown} v @returns {v is Record<string, unknown>} */
function isObject(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const HEX64 = /^[0-9a-f]{64}$/;

/** @param {string} title @param {string} content */
export function snapshotHash(title, content) {
  return createHash('sha256').update(`${title}\n\n${content}`, 'utf8').digest('hex');
}

/** Human label of an entry for messages. @param {number} position @param {number | null} index */
function entryLabel(position, index) {
  return {
    en: index === null ? `entries[${position}]` : `entries[${position}] (leaf ${index})`,
    zh: index === null ? `第 ${position + 1} 条记录` : `第 ${position + 1} 条记录（叶子序号 ${index}）`,
  };
}

/**
 * Verifies a bundle given as its file bytes, its text, or an already parsed object.
 * @param {Uint8Array | string | unknown} input
 * @param {VerifyOptions} [options]
 * @returns {Promise<VerifyResult>}
 */
export async function verifyBundle(input, options = {}) {
  // ---------------------------------------------------------------------------------------------------------
  // 0. Read the bundle. Anything that stops us from knowing what to check is "unreadable" (exit 2).
  /** @type {unknown} */
  let bundle = input;
  if (typeof input === 'string' || input instanceof Uint8Array) {
    let text;
    try {
      text = typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: true }).decode(input);
    } catch {
      return unreadable(problem('BUNDLE_UNREADABLE', 'the bundle is not UTF-8 text', '证据包不是 UTF-8 文本'));
    }
    try {
      bundle = JSON.parse(text);
    } catch (e) {
      return unreadable(
        problem(
          'BUNDLE_UNREADABLE',
          `the bundle is not JSON: ${/** @type {Error} */ (e).message}`,
          `证据包不是合法的 JSON：${/** @type {Error} */ (e).message}`,
        ),
      );
    }
  }
  if (!isObject(bundle)) return unreadable(problem('BUNDLE_UNREADABLE', 'the bundle is not a JSON object', '证据包不是 JSON 对象'));
  /** @param {string} field @param {string} want @param {string} wantZh */
  const badField = (field, want, wantZh) =>
    unreadable(problem('BUNDLE_MALFORMED', `the bundle field "${field}" must be ${want}`, `证据包字段 "${field}" 应为${wantZh}`));
  const { origin, hash: suite, checkpoint: note, public_key: publicKeyPem, entries } = bundle;
  const snapshots = bundle.snapshots === undefined ? [] : bundle.snapshots;
  if (typeof origin !== 'string' || origin.length === 0) return badField('origin', 'a non-empty string', '非空字符串');
  if (!isHashSuite(suite)) return badField('hash', '"sha256" or "sm3"', ' "sha256" 或 "sm3"');
  if (typeof note !== 'string') return badField('checkpoint', 'the signed checkpoint text', '签名检查点文本');
  if (typeof publicKeyPem !== 'string') return badField('public_key', 'a PEM public key', 'PEM 格式公钥');
  if (!Array.isArray(entries)) return badField('entries', 'an array', '数组');
  if (!Array.isArray(snapshots)) return badField('snapshots', 'an array', '数组');
  if (suite === 'sm3' && !hasSm3()) {
    return unreadable(
      problem(
        'VERIFIER_UNAVAILABLE',
        'this Node.js build has no SM3 digest; use a Node.js built with OpenSSL 3',
        '当前 Node.js 不支持 SM3 摘要，请使用基于 OpenSSL 3 构建的 Node.js',
      ),
    );
  }

  /** @type {Problem[]} */
  const failures = [];
  /** @type {Problem[]} */
  const warnings = [];

  // ---------------------------------------------------------------------------------------------------------
  // 1. The checkpoint: well formed, of this log, signed by the bundle's key (and that key the pinned one).
  /** @type {CheckpointResult} */
  const cp = { ok: false, origin: null, size: null, root: null, signer: null, key_pinned: false };
  const before = failures.length;
  /** @type {import('./note.mjs').CheckpointBody | null} */
  let body = null;
  /** @type {{ text: string, signatures: import('./note.mjs').SignatureLine[] } | null} */
  let split = null;
  try {
    split = splitNote(note);
  } catch (e) {
    const why = /** @type {Error} */ (e).message;
    failures.push(
      problem(
        'CHECKPOINT_MALFORMED',
        `checkpoint: not a well-formed signed note: ${why}`,
        `检查点：不是格式正确的签名注记（signed note）：${why}`,
      ),
    );
  }
  if (split) {
    try {
      body = parseCheckpointBody(split.text);
      cp.origin = body.origin;
      cp.size = body.size;
      cp.root = hex(body.root);
    } catch (e) {
      const why = /** @type {Error} */ (e).message;
      failures.push(problem('CHECKPOINT_MALFORMED', `checkpoint: malformed checkpoint text: ${why}`, `检查点：检查点正文格式错误：${why}`));
    }
    if (body && body.origin !== origin) {
      failures.push(
        problem(
          'CHECKPOINT_ORIGIN_MISMATCH',
          `checkpoint: it is of the log ${JSON.stringify(body.origin)}, but the bundle claims ${JSON.stringify(origin)}`,
          `检查点：属于日志 ${JSON.stringify(body.origin)}，而证据包声称来自 ${JSON.stringify(origin)}`,
        ),
      );
    }
  }

  /** @type {import('./keys.mjs').LogKey | null} */
  let key = null;
  try {
    key = parsePublicKeyPem(publicKeyPem);
    if (key.algorithm === 'sm2') (await loadSm2()).assertSm2PublicKey(key.raw);
  } catch (e) {
    const why = /** @type {Error} */ (e).message;
    if (why.includes('@noble/curves'))
      return unreadable(problem('VERIFIER_UNAVAILABLE', why, 'SM2 验签需要 @noble/curves 软件包（npm install @noble/curves@1.9.7）'));
    key = null;
    failures.push(
      problem(
        'PUBLIC_KEY_INVALID',
        `public_key: not a usable Ed25519 or SM2 public key: ${why}`,
        `public_key：不是可用的 Ed25519 或 SM2 公钥：${why}`,
      ),
    );
  }

  if (key && options.publicKeyPem !== undefined) {
    let pinned = null;
    try {
      pinned = parsePublicKeyPem(options.publicKeyPem);
    } catch (e) {
      const why = /** @type {Error} */ (e).message;
      failures.push(
        problem('PINNED_KEY_INVALID', `the key given with --public-key is not usable: ${why}`, `--public-key 指定的公钥不可用：${why}`),
      );
    }
    if (pinned) {
      cp.key_pinned = true;
      if (!pinned.spki.equals(key.spki)) {
        failures.push(
          problem(
            'PUBLIC_KEY_NOT_PINNED',
            "public_key: the bundle's key is not the log key you gave with --public-key: the bundle may be forged",
            'public_key：证据包中的公钥与 --public-key 指定的日志公钥不一致，证据包可能是伪造的',
          ),
        );
      }
    }
  }

  if (key && split) {
    const k = key;
    const mine = split.signatures.filter((s) => s.keyId === keyId(s.name, k));
    if (mine.length === 0) {
      const lines = split.signatures.map((s) => `${s.name} key ID ${hex8(s.keyId)} (this key: ${hex8(keyId(s.name, k))})`).join('; ');
      failures.push(
        problem(
          'CHECKPOINT_KEY_MISMATCH',
          `checkpoint: no signature line is by the bundle's public key (key ID mismatch: ${lines}); the checkpoint was signed by another key`,
          `检查点：没有任何签名行来自证据包中的公钥（密钥 ID 不符：${lines}），检查点由其他密钥签署`,
        ),
      );
    }
    for (const sig of mine) {
      const verdict = await k.verify(Buffer.from(split.text, 'utf8'), sig.signature);
      const id = hex8(sig.keyId);
      if (!verdict.ok) {
        failures.push(
          problem(
            'CHECKPOINT_BAD_SIGNATURE',
            `checkpoint: the ${k.algorithm} signature by ${sig.name} (key ID ${id}, signature line ${sig.line}) does not verify over the checkpoint text: ${verdict.why}; the checkpoint or its signature was altered`,
            `检查点：${sig.name}（密钥 ID ${id}，第 ${sig.line} 个签名行）的 ${k.algorithm.toUpperCase()} 签名验证失败（${verdict.why}），检查点正文或签名已被篡改`,
          ),
        );
      } else if (!cp.signer) {
        cp.signer = { name: sig.name, algorithm: k.algorithm, key_id: id, vkey: vkey(sig.name, k) };
        if (sig.name !== origin) {
          warnings.push(
            problem(
              'SIGNER_NAME_DIFFERS',
              `checkpoint: signed under the key name ${JSON.stringify(sig.name)}, not the origin ${JSON.stringify(origin)}`,
              `检查点：签名密钥名称为 ${JSON.stringify(sig.name)}，与日志来源 ${JSON.stringify(origin)} 不同`,
            ),
          );
        }
      }
    }
    const others = split.signatures.length - mine.length;
    if (mine.length > 0 && others > 0) {
      warnings.push(
        problem(
          'OTHER_SIGNATURES_IGNORED',
          `checkpoint: ${others} signature line(s) by other keys were not checked`,
          `检查点：另有 ${others} 个其他密钥的签名行未校验`,
        ),
      );
    }
  }
  cp.ok = failures.length === before && cp.signer !== null;
  if (!cp.key_pinned && key) {
    warnings.push(
      problem(
        'KEY_NOT_PINNED',
        'the checkpoint is checked against the key inside the bundle only: compare its key ID / vkey with the log key the insurer publishes, or pass --public-key',
        '检查点仅用证据包自带的公钥验证：请将其密钥 ID / vkey 与保险公司公布的日志公钥核对，或使用 --public-key 指定公钥',
      ),
    );
  }

  // ---------------------------------------------------------------------------------------------------------
  // 2. Snapshots: each is well formed and its content hash is what its title and content hash to.
  /** @type {SnapshotResult[]} */
  const snapResults = [];
  /** @type {Map<string, { computed: string, position: number }[]>} */
  const byId = new Map();
  snapshots.forEach((s, position) => {
    /** @type {SnapshotResult} */
    const r = { position, id: null, ok: false, referenced_by: [] };
    snapResults.push(r);
    if (
      !isObject(s) ||
      typeof s.id !== 'string' ||
      s.id.length === 0 ||
      typeof s.title !== 'string' ||
      typeof s.content !== 'string' ||
      typeof s.content_hash !== 'string'
    ) {
      const sid = isObject(s) && typeof s.id === 'string' ? s.id : `#${position}`;
      failures.push(
        problem(
          'SNAPSHOT_MALFORMED',
          `snapshot ${sid} (snapshots[${position}]): needs string fields id, title, content and content_hash`,
          `页面快照 ${sid}（snapshots[${position}]）：缺少字符串字段 id、title、content 或 content_hash`,
          { snapshot: sid },
        ),
      );
      return;
    }
    r.id = s.id;
    const computed = snapshotHash(s.title, s.content);
    const stated = s.content_hash.toLowerCase();
    const list = byId.get(s.id) ?? [];
    list.push({ computed, position });
    byId.set(s.id, list);
    let ok = true;
    if (!HEX64.test(stated)) {
      ok = false;
      failures.push(
        problem(
          'SNAPSHOT_MALFORMED',
          `snapshot ${s.id}: content_hash is not 64 hex digits`,
          `页面快照 ${s.id}：content_hash 不是 64 位十六进制数`,
          { snapshot: s.id },
        ),
      );
    } else if (stated !== computed) {
      ok = false;
      failures.push(
        problem(
          'SNAPSHOT_HASH_MISMATCH',
          `snapshot ${s.id}: SHA-256 of its title and content is ${computed}, not its content_hash ${stated}; the snapshot text was altered`,
          `页面快照 ${s.id}：标题与正文的 SHA-256 为 ${computed}，与其 content_hash ${stated} 不符，快照内容已被篡改`,
          { snapshot: s.id },
        ),
      );
    }
    if (list.length === 2) {
      ok = false;
      failures.push(
        problem('SNAPSHOT_DUPLICATE', `snapshot ${s.id}: appears more than once in the bundle`, `页面快照 ${s.id}：在证据包中出现多次`, {
          snapshot: s.id,
        }),
      );
    }
    r.ok = ok;
  });

  // ---------------------------------------------------------------------------------------------------------
  // 3. Entries: well formed, canonical, included under the checkpoint root, and their text version matches.
  /** @type {EntryResult[]} */
  const entryResults = [];
  /** @type {Map<number, number>} */
  const seenIndex = new Map();
  for (let position = 0; position < entries.length; position++) {
    const e = entries[position];
    const failedBefore = failures.length;
    /** @type {EntryResult} */
    const r = { position, index: null, ok: false, event_id: null, type: null, at: null, text_version_id: null, leaf_hash: null };
    entryResults.push(r);
    if (!isObject(e)) {
      failures.push(
        problem('ENTRY_MALFORMED', `entries[${position}]: not an object`, `第 ${position + 1} 条记录：不是对象`, { entry: position }),
      );
      continue;
    }
    const index = typeof e.index === 'number' && Number.isSafeInteger(e.index) && e.index >= 0 ? e.index : null;
    r.index = index;
    const label = entryLabel(position, index);
    const where = index === null ? { entry: position } : { entry: position, index };
    /** @param {string} code @param {string} en @param {string} zh */
    const entryFail = (code, en, zh) => failures.push(problem(code, `${label.en}: ${en}`, `${label.zh}：${zh}`, where));

    if (index === null)
      entryFail(
        'ENTRY_MALFORMED',
        `index ${JSON.stringify(e.index)} is not a non-negative integer`,
        `叶子序号 ${JSON.stringify(e.index)} 不是非负整数`,
      );
    else if (seenIndex.has(index)) {
      warnings.push(
        problem(
          'ENTRY_DUPLICATE_INDEX',
          `${label.en}: leaf ${index} is also listed at entries[${seenIndex.get(index)}]`,
          `${label.zh}：叶子序号 ${index} 与第 ${(seenIndex.get(index) ?? 0) + 1} 条记录重复`,
          where,
        ),
      );
    } else seenIndex.set(index, position);

    const data = decodeBase64Strict(e.data);
    if (!data) entryFail('ENTRY_MALFORMED', '"data" is not canonical base64', '"data" 不是规范的 base64');

    /** @type {Buffer[] | null} */
    let proof = null;
    if (!Array.isArray(e.proof)) entryFail('ENTRY_MALFORMED', '"proof" is not an array', '"proof" 不是数组');
    else {
      const decoded = e.proof.map((p) => decodeBase64Strict(p));
      const bad = decoded.findIndex((p) => !p || p.length !== HASH_BYTES);
      if (bad >= 0)
        entryFail('ENTRY_MALFORMED', `proof[${bad}] is not the base64 of a 32-byte hash`, `proof[${bad}] 不是 32 字节哈希的 base64`);
      else proof = /** @type {Buffer[]} */ (decoded);
    }

    if (data) {
      const leaf = leafHash(suite, data);
      r.leaf_hash = hex(leaf);
      // 3a. canonical JSON
      const c = checkCanonical(data);
      if (!c.ok)
        entryFail(
          'ENTRY_NOT_CANONICAL',
          `the entry bytes are not RFC 8785 canonical JSON: ${c.reason}`,
          `记录字节不是 RFC 8785 规范 JSON：${c.reason}`,
        );
      const value = c.value;
      if (c.ok && !isObject(value)) entryFail('ENTRY_NOT_AN_EVENT', 'the entry is not a JSON object', '记录不是 JSON 对象');
      if (isObject(value)) {
        r.event_id = typeof value.id === 'string' ? value.id : null;
        r.type = typeof value.type === 'string' ? value.type : null;
        r.at = typeof value.at === 'string' ? value.at : null;
        // 3c. the text version it names
        const tv = value.textVersion;
        if (tv !== undefined && tv !== null) {
          if (
            !isObject(tv) ||
            typeof tv.id !== 'string' ||
            tv.id.length === 0 ||
            typeof tv.contentHash !== 'string' ||
            !HEX64.test(tv.contentHash.toLowerCase())
          ) {
            entryFail(
              'ENTRY_TEXT_VERSION_MALFORMED',
              'textVersion must be null or {id, contentHash (64 hex digits)}',
              'textVersion 应为 null 或 {id, contentHash（64 位十六进制）}',
            );
          } else {
            r.text_version_id = tv.id;
            const found = byId.get(tv.id);
            const sw = { ...where, snapshot: tv.id };
            if (!found) {
              failures.push(
                problem(
                  'SNAPSHOT_MISSING',
                  `${label.en}: names text version ${tv.id}, but the bundle has no snapshot with that id`,
                  `${label.zh}：引用了文本版本 ${tv.id}，但证据包中没有该页面快照`,
                  sw,
                ),
              );
            } else {
              for (const f of found) {
                /** @type {SnapshotResult} */ (snapResults[f.position]).referenced_by.push(position);
                if (f.computed !== tv.contentHash.toLowerCase()) {
                  failures.push(
                    problem(
                      'TEXT_VERSION_HASH_MISMATCH',
                      `${label.en}: records content hash ${tv.contentHash.toLowerCase()} for text version ${tv.id}, but snapshot ${tv.id} hashes to ${f.computed}; the page shown is not this snapshot`,
                      `${label.zh}：记录的文本版本 ${tv.id} 内容哈希为 ${tv.contentHash.toLowerCase()}，而页面快照 ${tv.id} 的哈希为 ${f.computed}，快照不是当时展示的页面`,
                      sw,
                    ),
                  );
                }
              }
            }
          }
        }
      }
      // 3b. inclusion under the checkpoint
      if (body && index !== null && proof) {
        if (index >= body.size) {
          entryFail(
            'ENTRY_INDEX_OUT_OF_RANGE',
            `leaf index ${index} is not below the checkpoint tree size ${body.size}`,
            `叶子序号 ${index} 不小于检查点树大小 ${body.size}`,
          );
        } else {
          const v = verifyInclusion(suite, leaf, index, body.size, proof, body.root);
          if (!v.ok && v.reason === 'shape') {
            entryFail(
              'ENTRY_PROOF_MALFORMED',
              `inclusion proof: ${v.detail}; the leaf index or the proof was altered`,
              `包含证明：哈希个数与叶子序号 ${index}、树大小 ${body.size} 不符（${proof.length} 个），叶子序号或证明已被篡改`,
            );
          } else if (!v.ok) {
            entryFail(
              'ENTRY_NOT_INCLUDED',
              `inclusion proof: with leaf hash ${hex(leaf)} it leads to root ${hex(/** @type {Buffer} */ (v.computed))}, not the checkpoint root ${hex(body.root)} (tree size ${body.size}); the entry bytes, its leaf index or its proof were altered`,
              `包含证明：由叶子哈希 ${hex(leaf)} 推出的根为 ${hex(/** @type {Buffer} */ (v.computed))}，而检查点根为 ${hex(body.root)}（树大小 ${body.size}），记录内容、叶子序号或证明已被篡改`,
            );
          }
        }
      }
    }
    r.ok = failures.length === failedBefore;
    if (!body && r.ok) r.ok = false; // no checkpoint to prove it against
  }
  if (entries.length === 0)
    warnings.push(
      problem('NO_ENTRIES', 'the bundle holds no entries: only the checkpoint was checked', '证据包不含任何记录，仅校验了检查点'),
    );

  for (const s of snapResults) {
    if (s.id !== null && s.referenced_by.length === 0) {
      warnings.push(
        problem('SNAPSHOT_UNREFERENCED', `snapshot ${s.id}: no entry in the bundle names it`, `页面快照 ${s.id}：证据包中没有记录引用它`, {
          snapshot: s.id,
        }),
      );
    }
  }

  const ok = failures.length === 0 && cp.ok;
  return {
    ok,
    exit_code: ok ? 0 : 1,
    origin,
    hash: suite,
    checkpoint: cp,
    entries: entryResults,
    snapshots: snapResults,
    failures,
    warnings,
  };
}
