import { spawnSync } from 'node:child_process';

/**
 * The programs outside Node that tests run to read our output back with someone else's code (PDFs through poppler,
 * signatures and SM2/SM3 through OpenSSL). Each names the Debian package that brings it, for the message a newcomer
 * or CI gets when it is missing. The README's "What the tests need from the system" lists the same.
 */
export const SYSTEM_TOOLS = {
  pdftotext: { debianPackage: 'poppler-utils', works: () => runs('pdftotext', ['-v']) },
  pdfsig: { debianPackage: 'poppler-utils', works: () => runs('pdfsig', ['-v']) },
  pdffonts: { debianPackage: 'poppler-utils', works: () => runs('pdffonts', ['-v']) },
  pdftoppm: { debianPackage: 'poppler-utils', works: () => runs('pdftoppm', ['-v']) },
  // OpenSSL 3 with SM2 and SM3 (Debian's openssl has both; some builds leave the SM algorithms out).
  openssl: {
    debianPackage: 'openssl',
    works: () => /^OpenSSL 3\./.test(output('openssl', ['version'])) && runs('openssl', ['genpkey', '-algorithm', 'SM2']),
  },
} satisfies Record<string, { debianPackage: string; works: () => boolean }>;

export type SystemTool = keyof typeof SYSTEM_TOOLS;

function runs(command: string, args: string[]): boolean {
  const r = spawnSync(command, args, { stdio: 'ignore', timeout: 10_000 });
  return r.error === undefined && r.status === 0;
}

function output(command: string, args: string[]): string {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 10_000 });
  return r.error === undefined ? r.stdout : '';
}

const known = new Map<SystemTool, boolean>();

/** Which of these tools do not run here (probed once per process). */
export function missingTools(tools: SystemTool[] = Object.keys(SYSTEM_TOOLS) as SystemTool[]): SystemTool[] {
  return tools.filter((t) => {
    if (!known.has(t)) known.set(t, SYSTEM_TOOLS[t].works());
    return !known.get(t);
  });
}

/** Under CI a missing tool fails the run; elsewhere the tests that need it are skipped. */
export const inCI = (): boolean => ['true', '1'].includes(String(process.env.CI ?? '').toLowerCase());

/** "pdftotext, pdfsig (apt-get install poppler-utils); openssl (apt-get install openssl)" */
export function describeMissing(tools: SystemTool[]): string {
  const byPackage = new Map<string, SystemTool[]>();
  for (const t of tools) byPackage.set(SYSTEM_TOOLS[t].debianPackage, [...(byPackage.get(SYSTEM_TOOLS[t].debianPackage) ?? []), t]);
  return [...byPackage].map(([pkg, ts]) => `${ts.join(', ')} (apt-get install ${pkg})`).join('; ');
}

/**
 * For `describe.skipIf(lacks('pdftotext', 'pdfsig'))`: true when a tool is missing, so the tests are skipped (the
 * global setup has said why, once). Under CI=true a missing tool throws instead: a CI run never passes by skipping.
 */
export function lacks(...tools: SystemTool[]): boolean {
  const missing = missingTools(tools);
  if (missing.length > 0 && inCI()) throw new Error(`CI=true and these tests need programs that are missing: ${describeMissing(missing)}`);
  return missing.length > 0;
}
