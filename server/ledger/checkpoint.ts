/**
 * Checkpoints of the traceability ledger: the C2SP tlog-checkpoint body (c2sp.org/tlog-checkpoint) inside a C2SP signed
 * note (c2sp.org/signed-note), so that anyone holding the log's public key can check a tree head with the same tools
 * they use for Certificate Transparency and Go's checksum database.
 *
 *   wangbao.example/ledger            ← origin
 *   1234                              ← tree size, decimal, no leading zeros
 *   CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=   ← base64 RFC 6962 root (SHA-256 or SM3: 32 bytes)
 *                                     ← blank line
 *   — wangbao.example/ledger <base64(4-byte key ID ‖ signature)>
 *
 * Parsing is strict: a checkpoint that is not byte-for-byte the one formatCheckpoint would write is refused, so one
 * tree head has exactly one text.
 */
import { NoteError, isValidKeyName, isWellFormedText, type NoteSigner, type NoteVerifier } from './signer.js';

/** Root hashes are 32 bytes: SHA-256 and SM3 both. */
export const ROOT_HASH_BYTES = 32;
/** Verifiers must accept at least 16 signatures (signed-note); Go's note package caps at 100, and so do we. */
export const MAX_NOTE_SIGNATURES = 100;
/** A bound on the whole note so a hostile note cannot make us do unbounded work. */
export const MAX_NOTE_BYTES = 1 << 20;

const SIG_PREFIX = '\u2014 '; // em dash, space

export interface Checkpoint {
  origin: string;
  /** Number of leaves; a safe integer (JS numbers are exact up to 2^53 − 1). */
  size: number;
  rootHash: Buffer;
  /** Opaque, non-empty extension lines (NOT RECOMMENDED by the spec; kept for completeness). */
  extensions: string[];
}

export interface CheckpointInput {
  origin: string;
  size: number | bigint;
  rootHash: Uint8Array;
  extensions?: readonly string[];
}

// ---------------------------------------------------------------------------------------------------------------
// checkpoint body

function hasControlChar(text: string, allowNewline: boolean): boolean {
  // eslint-disable-next-line no-control-regex -- the point is to find control characters in a signed note
  return allowNewline ? /[\u0000-\u0009\u000b-\u001f]/.test(text) : /[\u0000-\u001f]/.test(text);
}

/** Canonical base64 (RFC 4648 §4, padded) or undefined. */
function decodeBase64Strict(text: string): Buffer | undefined {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

/**
 * Writes a checkpoint body. The origin is also the log's key name, so it must be a valid signed-note key name
 * (non-empty, no spaces, no '+'), which is what the spec RECOMMENDS of origins.
 */
export function formatCheckpoint(input: CheckpointInput): string {
  const bad = (why: string): never => {
    throw new NoteError('malformed-checkpoint', why);
  };
  if (!isValidKeyName(input.origin)) bad('the origin must be non-empty, with no spaces, "+" or control characters');
  const size =
    typeof input.size === 'bigint'
      ? input.size
      : Number.isSafeInteger(input.size)
        ? BigInt(input.size)
        : bad('the tree size must be an integer');
  if (size < 0n || size > BigInt(Number.MAX_SAFE_INTEGER)) bad('the tree size must be in [0, 2^53 − 1]');
  if (input.rootHash.length !== ROOT_HASH_BYTES) bad(`the root hash must be ${ROOT_HASH_BYTES} bytes`);
  const extensions = input.extensions ?? [];
  for (const line of extensions) {
    if (line.length === 0 || hasControlChar(line, false) || !isWellFormedText(line))
      bad('extension lines are non-empty, with no control characters');
  }
  return [input.origin, size.toString(), Buffer.from(input.rootHash).toString('base64'), ...extensions].map((l) => `${l}\n`).join('');
}

/** Parses a checkpoint body (the note text, without signatures). Refuses anything formatCheckpoint would not write. */
export function parseCheckpoint(text: string): Checkpoint {
  const bad = (why: string): never => {
    throw new NoteError('malformed-checkpoint', why);
  };
  if (!isWellFormedText(text)) bad('not valid UTF-8');
  if (hasControlChar(text, true)) bad('control characters (CR, tab …) are not allowed');
  if (!text.endsWith('\n')) bad('the checkpoint must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) bad('a checkpoint has at least three lines: origin, size, root hash');
  const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string, ...string[]];
  if (origin.length === 0) bad('empty origin');
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText)) bad('the tree size must be decimal with no sign and no leading zeros');
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) bad('tree size beyond 2^53 − 1 is not supported');
  const rootHash = decodeBase64Strict(rootText) ?? bad('the root hash is not canonical base64');
  if (rootHash.length !== ROOT_HASH_BYTES) bad(`the root hash must be ${ROOT_HASH_BYTES} bytes`);
  if (extensions.some((l) => l.length === 0)) bad('empty line inside the checkpoint');
  return { origin, size, rootHash, extensions };
}

// ---------------------------------------------------------------------------------------------------------------
// signed note

function assertNoteText(text: string, what: 'note' | 'body'): void {
  const reason = 'malformed-note';
  if (!isWellFormedText(text)) throw new NoteError(reason, `the ${what} is not valid UTF-8`);
  if (hasControlChar(text, true)) throw new NoteError(reason, `the ${what} has a control character other than newline`);
}

/**
 * Signs `body` (the note text, ending in a newline) with one or more keys and returns the signed note:
 * body ‖ "\n" ‖ one line "— <name> <base64(key ID ‖ signature)>\n" per signer.
 */
export function signNote(body: string, signers: NoteSigner | readonly NoteSigner[]): string {
  const list = Array.isArray(signers) ? (signers as readonly NoteSigner[]) : [signers as NoteSigner];
  assertNoteText(body, 'body');
  if (body.length === 0 || !body.endsWith('\n')) throw new NoteError('malformed-note', 'the body must be non-empty and end with a newline');
  if (list.length === 0) throw new NoteError('malformed-note', 'at least one signer');
  if (list.length > MAX_NOTE_SIGNATURES) throw new NoteError('too-many-signatures', `at most ${MAX_NOTE_SIGNATURES} signatures`);
  const seen = new Set<string>();
  const message = Buffer.from(body, 'utf8');
  let lines = '';
  for (const signer of list) {
    if (!isValidKeyName(signer.name)) throw new NoteError('bad-key-name', `invalid key name ${JSON.stringify(signer.name)}`);
    const id = `${signer.name} ${signer.keyHash}`;
    if (seen.has(id)) throw new NoteError('duplicate-signature', `${signer.name} would sign twice`);
    seen.add(id);
    const keyId = Buffer.alloc(4);
    keyId.writeUInt32BE(signer.keyHash);
    lines += `${SIG_PREFIX}${signer.name} ${Buffer.concat([keyId, signer.sign(message)]).toString('base64')}\n`;
  }
  return `${body}\n${lines}`;
}

export interface SignatureLine {
  name: string;
  keyHash: number;
  signature: Buffer;
}

export interface OpenedNote {
  /** The note text the signatures cover (ending in a newline). */
  body: string;
  /** The known keys whose signatures verified, in note order. */
  verifiedBy: NoteVerifier[];
  /** Signatures from keys we do not know (e.g. witnesses), ignored as the spec requires. */
  unverified: SignatureLine[];
}

/** Splits a signed note without verifying anything. */
export function splitNote(note: string): { body: string; signatures: SignatureLine[] } {
  const bad = (why: string): never => {
    throw new NoteError('malformed-note', why);
  };
  if (Buffer.byteLength(note, 'utf8') > MAX_NOTE_BYTES) bad(`larger than ${MAX_NOTE_BYTES} bytes`);
  assertNoteText(note, 'note');
  if (!note.endsWith('\n')) bad('a signed note ends with a newline');
  // The text is separated from the signatures by the LAST empty line.
  const split = note.lastIndexOf('\n\n');
  if (split < 0) bad('no blank line between the text and the signatures');
  const body = note.slice(0, split + 1);
  const sigText = note.slice(split + 2);
  if (sigText.length === 0) bad('no signature lines');
  const lines = sigText.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) throw new NoteError('too-many-signatures', `more than ${MAX_NOTE_SIGNATURES} signature lines`);
  const signatures: SignatureLine[] = [];
  const seen = new Set<string>();
  for (const line of lines) {
    if (!line.startsWith(SIG_PREFIX)) bad('a signature line starts with an em dash (U+2014) and a space');
    const rest = line.slice(SIG_PREFIX.length);
    const space = rest.lastIndexOf(' ');
    const name = space < 0 ? '' : rest.slice(0, space);
    if (!isValidKeyName(name)) bad('bad key name in a signature line');
    const raw = decodeBase64Strict(rest.slice(space + 1)) ?? bad('the signature is not canonical base64');
    if (raw.length < 5) bad('a signature is a 4-byte key ID and at least one byte');
    const keyHash = raw.readUInt32BE(0);
    const id = `${name} ${keyHash}`;
    // Go's note.Open drops repeats silently; a checkpoint we publish never has them, so one is a sign of tampering.
    if (seen.has(id))
      throw new NoteError('duplicate-signature', `two signatures by ${name} (key ID ${keyHash.toString(16).padStart(8, '0')})`);
    seen.add(id);
    signatures.push({ name, keyHash, signature: raw.subarray(4) });
  }
  return { body, signatures };
}

/**
 * Opens a signed note: every signature by a known key (same name AND key ID) must verify, at least one must, and
 * signatures by unknown keys are ignored. Refuses a malformed note, a changed body or signature, duplicate signature
 * lines, and a note no known key signed.
 */
export function openNote(note: string, verifiers: readonly NoteVerifier[]): OpenedNote {
  const known = new Map<string, NoteVerifier>();
  for (const v of verifiers) {
    const id = `${v.name} ${v.keyHash}`;
    if (known.has(id)) throw new NoteError('ambiguous-verifiers', `two verifiers for ${v.name} with key ID ${v.keyHash.toString(16)}`);
    known.set(id, v);
  }
  const { body, signatures } = splitNote(note);
  const message = Buffer.from(body, 'utf8');
  const verifiedBy: NoteVerifier[] = [];
  const unverified: SignatureLine[] = [];
  for (const sig of signatures) {
    const verifier = known.get(`${sig.name} ${sig.keyHash}`);
    if (!verifier) {
      unverified.push(sig);
      continue;
    }
    if (!verifier.verify(message, sig.signature)) throw new NoteError('bad-signature', `the signature by ${sig.name} does not verify`);
    verifiedBy.push(verifier);
  }
  if (verifiedBy.length === 0) throw new NoteError('unverified-note', 'no signature by a known key');
  return { body, verifiedBy, unverified };
}

/** Formats and signs a checkpoint. */
export function signCheckpoint(checkpoint: CheckpointInput, signers: NoteSigner | readonly NoteSigner[]): string {
  return signNote(formatCheckpoint(checkpoint), signers);
}

/**
 * Opens a signed checkpoint and parses its body. With `origin`, the checkpoint must be that log's (a checkpoint of
 * another log signed by the same key is refused).
 */
export function openCheckpoint(
  note: string,
  verifiers: readonly NoteVerifier[],
  options: { origin?: string } = {},
): { checkpoint: Checkpoint; verifiedBy: NoteVerifier[]; unverified: SignatureLine[] } {
  const opened = openNote(note, verifiers);
  const checkpoint = parseCheckpoint(opened.body);
  if (options.origin !== undefined && checkpoint.origin !== options.origin) {
    throw new NoteError(
      'origin-mismatch',
      `checkpoint of ${JSON.stringify(checkpoint.origin)}, expected ${JSON.stringify(options.origin)}`,
    );
  }
  return { checkpoint, verifiedBy: opened.verifiedBy, unverified: opened.unverified };
}
