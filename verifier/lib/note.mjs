// @ts-check
/**
 * C2SP signed notes (c2sp.org/signed-note) and tlog checkpoints (c2sp.org/tlog-checkpoint), parsed strictly:
 *
 *   <origin>\n<tree size, decimal>\n<base64 root hash>\n[<extension line>\n]*   ← the note text (what is signed)
 *   \n
 *   — <key name> <base64(4-byte key ID ‖ signature)>\n                         ← one line per signature
 */
import { decodeBase64Strict, isWellFormed } from './encoding.mjs';

const SIG_PREFIX = '\u2014 '; // em dash, space
export const MAX_SIGNATURES = 100;

/** @typedef {{ name: string, keyId: number, signature: Buffer, line: number }} SignatureLine */

/** signed-note key names: non-empty, no Unicode space, no '+'; control characters refused too. @param {string} name */
export function isValidKeyName(name) {
  return name.length > 0 && isWellFormed(name) && !/[\s\u0085+\u0000-\u001f\u007f]/u.test(name);
}

/**
 * Splits a signed note into its text and signature lines. Throws with the reason when malformed.
 * @param {string} note
 * @returns {{ text: string, signatures: SignatureLine[] }}
 */
export function splitNote(note) {
  if (!isWellFormed(note)) throw new Error('the note is not valid Unicode text');
  if (/[\u0000-\u0009\u000b-\u001f\u007f]/.test(note)) throw new Error('the note holds control characters other than newline');
  if (!note.endsWith('\n')) throw new Error('a signed note ends with a newline');
  // The text is separated from the signatures by the LAST blank line.
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new Error('no blank line between the checkpoint and its signature lines');
  const text = note.slice(0, split + 1);
  const sigText = note.slice(split + 2);
  if (sigText.length === 0) throw new Error('no signature lines');
  const lines = sigText.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw new Error(`more than ${MAX_SIGNATURES} signature lines`);
  /** @type {SignatureLine[]} */
  const signatures = [];
  const seen = new Set();
  lines.forEach((line, i) => {
    const where = `signature line ${i + 1}`;
    if (!line.startsWith(SIG_PREFIX)) throw new Error(`${where} does not start with an em dash (U+2014) and a space`);
    const rest = line.slice(SIG_PREFIX.length);
    const space = rest.lastIndexOf(' ');
    const name = space < 0 ? '' : rest.slice(0, space);
    if (!isValidKeyName(name)) throw new Error(`${where}: bad key name ${JSON.stringify(name)}`);
    const raw = decodeBase64Strict(rest.slice(space + 1));
    if (!raw) throw new Error(`${where}: the signature is not canonical base64`);
    if (raw.length < 5) throw new Error(`${where}: a signature is a 4-byte key ID and at least one byte`);
    const keyId = raw.readUInt32BE(0);
    const id = `${name} ${keyId}`;
    if (seen.has(id)) throw new Error(`${where}: a second signature by the same key (${name}, key ID ${hex8(keyId)})`);
    seen.add(id);
    signatures.push({ name, keyId, signature: raw.subarray(4), line: i + 1 });
  });
  return { text, signatures };
}

/**
 * @typedef {{ origin: string, size: number, root: Buffer, extensions: string[] }} CheckpointBody
 */

/**
 * Parses the checkpoint text. Throws with the reason when malformed.
 * @param {string} text
 * @returns {CheckpointBody}
 */
export function parseCheckpointBody(text) {
  if (!text.endsWith('\n')) throw new Error('the checkpoint text ends with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw new Error('a checkpoint has at least three lines: origin, tree size, root hash');
  const [origin, sizeText, rootText, ...extensions] = /** @type {[string, string, string, ...string[]]} */ (lines);
  if (origin.length === 0) throw new Error('the origin line is empty');
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText))
    throw new Error(`the tree size ${JSON.stringify(sizeText)} is not a decimal number without sign or leading zeros`);
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) throw new Error('a tree size beyond 2^53 − 1 is not supported');
  const root = decodeBase64Strict(rootText);
  if (!root) throw new Error('the root hash line is not canonical base64');
  if (root.length !== 32) throw new Error(`the root hash is ${root.length} bytes, not 32`);
  for (const line of extensions) if (line.length === 0) throw new Error('an empty extension line');
  return { origin, size, root, extensions };
}

/** @param {number} n */
export function hex8(n) {
  return n.toString(16).padStart(8, '0');
}
