import { randomBytes } from 'node:crypto';

/** Crockford base32: sortable, case-insensitive, no I/L/O/U. */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export type IdPrefix =
  | 'prd'
  | 'pv'
  | 'txt'
  | 'quo'
  | 'app'
  | 'prt'
  | 'con'
  | 'ans'
  | 'otp'
  | 'idv'
  | 'uw'
  | 'sig'
  | 'pay'
  | 'pol'
  | 'ref'
  | 'evt'
  | 'stf'
  | 'ses'
  | 'csm'
  | 'sms'
  | 'gw'
  | 'ntf'
  | 'can'
  | 'job'
  | 'sk'
  | 'dsp'
  | 'doc'
  | 'inv'
  | 'cbc'
  | 'cbt'
  | 'cba'
  | 'cbi'
  | 'cbd'
  | 'cbr'
  | 'cbm'
  | 'cbp'
  | 'cbn'
  | 'cbf'
  | 'cbo'
  | 'cbsr'
  | 'cbsd'
  | 'cbs'
  | 'cbsv'
  | 'cbsw'
  | 'cbrp'
  | 'obx';

let lastTime = -1;
let lastRandom = 0n;
const RANDOM_MAX = (1n << 80n) - 1n;

/**
 * Prefixed, time-sortable identifiers (`pol_01J…`): 48 bits of milliseconds then 80 random bits, in Crockford
 * base32, the ULID layout. Monotonic within a process: ids made in the same millisecond (or under a clock that
 * stands still, as in tests) increase, so ordering by id is ordering by creation.
 */
export function newId(prefix: IdPrefix, at: number = Date.now()): string {
  let time = Math.max(at, lastTime);
  let random: bigint;
  if (time === lastTime) {
    random = lastRandom + 1n;
    if (random > RANDOM_MAX) {
      time += 1;
      random = BigInt(`0x${randomBytes(10).toString('hex')}`) >> 1n;
    }
  } else {
    // Leave headroom so a burst within one millisecond cannot overflow.
    random = BigInt(`0x${randomBytes(10).toString('hex')}`) >> 1n;
  }
  lastTime = time;
  lastRandom = random;
  let t = time;
  let timePart = '';
  for (let i = 0; i < 10; i++) {
    timePart = CROCKFORD[t % 32] + timePart;
    t = Math.floor(t / 32);
  }
  let r = random;
  let randPart = '';
  for (let i = 0; i < 16; i++) {
    randPart = CROCKFORD[Number(r & 31n)] + randPart;
    r >>= 5n;
  }
  return `${prefix}_${timePart}${randPart}`;
}
