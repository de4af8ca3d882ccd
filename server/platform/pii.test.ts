import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createPiiCipher, maskBankAccount, maskIdNumber, maskName, maskPhone, parseKeyList, type PiiKeyring } from './pii.js';

function keyring(suite: 'aes-256-gcm' | 'sm4', keys: Array<[string, Buffer]>, active = keys.at(-1)![0]): PiiKeyring {
  return { suite, activeKeyId: active, keys: new Map(keys), blindIndexKey: randomBytes(32) };
}

describe.each(['aes-256-gcm', 'sm4'] as const)('the %s personal-data cipher', (suite) => {
  const k1 = randomBytes(32);
  const cipher = createPiiCipher(keyring(suite, [['k1', k1]]));

  it('M§38 round-trips Chinese text and never shows the plaintext', () => {
    const c = cipher.encrypt('name', '𠮷野赟');
    expect(c.startsWith(`v1.${suite === 'sm4' ? 'sm4' : 'aes'}.k1.`)).toBe(true);
    expect(c).not.toContain('𠮷野赟');
    expect(cipher.decrypt('name', c)).toBe('𠮷野赟');
  });

  it('gives different ciphertexts for the same plaintext', () => {
    expect(cipher.encrypt('phone', '13800138000')).not.toBe(cipher.encrypt('phone', '13800138000'));
  });

  it('refuses a ciphertext moved to another field', () => {
    const c = cipher.encrypt('id_number', '11010519491231002X');
    expect(() => cipher.decrypt('phone', c)).toThrow();
  });

  it('refuses a ciphertext with one changed character', () => {
    const c = cipher.encrypt('phone', '13800138000');
    const parts = c.split('.');
    const body = parts[4]!;
    parts[4] = (body[0] === 'A' ? 'B' : 'A') + body.slice(1);
    expect(() => cipher.decrypt('phone', parts.join('.'))).toThrow();
  });

  it('still reads data written under an older key after rotation', () => {
    const old = cipher.encrypt('bank_account', '6222020200112233445');
    const rotated = createPiiCipher(
      keyring(
        suite,
        [
          ['k1', k1],
          ['k2', randomBytes(32)],
        ],
        'k2',
      ),
    );
    expect(rotated.encrypt('bank_account', '1').split('.')[2]).toBe('k2');
    expect(rotated.decrypt('bank_account', old)).toBe('6222020200112233445');
  });
});

describe('the keyed blind index', () => {
  const cipher = createPiiCipher(keyring('aes-256-gcm', [['k1', randomBytes(32)]]));
  it('finds equal values whatever their spelling, per field', () => {
    expect(cipher.blindIndex('id_number', '11010519491231002x')).toBe(cipher.blindIndex('id_number', '11010519491231002X'));
    expect(cipher.blindIndex('phone', '138 0013 8000')).toBe(cipher.blindIndex('phone', '13800138000'));
    expect(cipher.blindIndex('phone', '13800138000')).not.toBe(cipher.blindIndex('bank_account', '13800138000'));
  });
  it('depends on the key', () => {
    const other = createPiiCipher(keyring('aes-256-gcm', [['k1', randomBytes(32)]]));
    expect(other.blindIndex('phone', '13800138000')).not.toBe(cipher.blindIndex('phone', '13800138000'));
  });
});

describe('masking (requirements §2.10: C2 data masked on display)', () => {
  it('masks ID numbers, phones, names and accounts', () => {
    expect(maskIdNumber('11010519491231002X')).toBe('110***********002X');
    expect(maskPhone('13800138000')).toBe('138****8000');
    expect(maskName('王喆')).toBe('王*');
    expect(maskName('𠮷野')).toBe('𠮷*');
    expect(maskName('欧阳明轩')).toBe('欧***');
    expect(maskBankAccount('6222 0202 0011 2233 445')).toBe('****3445');
  });
});

describe('parseKeyList', () => {
  it('reads kid:base64 pairs and refuses keys that are not 32 bytes', () => {
    const k = randomBytes(32).toString('base64');
    expect([...parseKeyList(`a:${k},b:${k}`).keys()]).toEqual(['a', 'b']);
    expect(() => parseKeyList(`a:${randomBytes(16).toString('base64')}`)).toThrow(/32 bytes/);
    expect(() => parseKeyList('nonsense')).toThrow();
  });
});
