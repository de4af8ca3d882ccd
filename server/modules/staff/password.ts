import { hash, verify, type Algorithm } from '@node-rs/argon2';
import { AppError } from '../../platform/errors.js';

/**
 * Staff passwords (等保三级 strong passwords, requirements §2.10): at least 12 characters from at least 3 of the
 * 4 classes (lower, upper, digit, symbol), and not containing the username. Stored only as Argon2id.
 */
export function passwordProblems(password: string, username: string): string[] {
  const problems: string[] = [];
  if (Array.from(password).length < 12) problems.push('at least 12 characters');
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
  if (classes < 3) problems.push('at least 3 of: lower-case, upper-case, digits, symbols');
  const u = username.trim().toLowerCase();
  if (u && password.toLowerCase().includes(u)) problems.push('must not contain the username');
  return problems;
}

export function assertPasswordStrong(password: string, username: string): void {
  const problems = passwordProblems(password, username);
  if (problems.length) {
    throw new AppError(
      'PASSWORD_TOO_WEAK',
      problems.join('; '),
      problems.map((message) => ({ path: 'password', code: 'password_policy', message })),
    );
  }
}

// @node-rs/argon2 declares Algorithm as an ambient const enum, which isolatedModules cannot reference: 2 = Argon2id.
const ARGON2ID = 2 as Algorithm;
/** OWASP's Argon2id baseline: 19 MiB, 2 passes, 1 lane. */
const OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/** A hash of nothing, verified against when the username is unknown so that answer takes as long as a real one. */
let dummyHash: Promise<string> | undefined;
export async function burnPasswordCheck(password: string): Promise<void> {
  dummyHash ??= hashPassword('wangbao-no-such-user-Aa1!');
  await verifyPassword(await dummyHash, password);
}
