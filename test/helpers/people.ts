import { randomInt } from 'node:crypto';

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

/** A valid GB 11643 resident ID for a birth date and gender; the sequence makes people distinct. */
export function makeIdNumber(birthDate: string, gender: 'M' | 'F', seq = randomInt(0, 500), region = '110105'): string {
  const s = seq % 500;
  const order = String(s * 2 + (gender === 'M' ? 1 : 0)).padStart(3, '0');
  const body = region + birthDate.replace(/-/g, '') + order;
  const sum = [...body].reduce((acc, ch, i) => acc + Number(ch) * WEIGHTS[i]!, 0);
  return body + CHECK[sum % 11]!;
}

export function makePhone(): string {
  return `13${randomInt(0, 10)}${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;
}

export function makeAccountNo(): string {
  return `6222${String(randomInt(0, 1e9)).padStart(9, '0')}${String(randomInt(0, 1e6)).padStart(6, '0')}`;
}

export interface Person {
  name: string;
  idNumber: string;
  phone: string;
  birthDate: string;
  gender: 'M' | 'F';
  accountNo: string;
}

export function makePerson(name: string, birthDate: string, gender: 'M' | 'F'): Person {
  return { name, birthDate, gender, idNumber: makeIdNumber(birthDate, gender), phone: makePhone(), accountNo: makeAccountNo() };
}
