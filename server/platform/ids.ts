import { randomBytes } from 'node:crypto';

/** Crockford base32: sortable, case-insensitive, no I/L/O/U. */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export type IdPrefix =
  | 'prd' | 'pv' | 'txt' | 'quo' | 'app' | 'prt' | 'con' | 'ans' | 'otp' | 'idv' | 'uw' | 'sig' | 'pay' | 'pol'
  | 'ref' | 'evt' | 'stf' | 'ses' | 'csm' | 'sms' | 'gw' | 'ntf' | 'can' | 'job';

/**
 * Prefixed, time-sortable identifiers (`pol_01J…`): 48 bits of milliseconds then 80 random bits, in Crockford
 * base32, the ULID layout. The prefix tells a reader what the id names.
 */
export function newId(prefix: IdPrefix, at: number = Date.now()): string {
  let time = '';
  let t = at;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const rand = randomBytes(10);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of rand) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += CROCKFORD[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return `${prefix}_${time}${out}`;
}
