import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  HASH_SIZE,
  HASH_SUITES,
  assertHashSuite,
  digest,
  emptyRoot,
  fromHex,
  isHashSuite,
  leafHash,
  nodeHash,
  toHex,
  type HashSuite,
} from './hash.js';

const sha = (hex: string) => createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex');

describe('hash suites', () => {
  it('knows exactly sha256 and sm3', () => {
    expect(HASH_SUITES).toEqual(['sha256', 'sm3']);
    expect(isHashSuite('sha256')).toBe(true);
    expect(isHashSuite('sm3')).toBe(true);
    expect(isHashSuite('SHA256')).toBe(false);
    expect(isHashSuite('md5')).toBe(false);
    expect(() => assertHashSuite('sha1')).toThrow(/unknown hash suite/);
    expect(() => leafHash('sha1' as HashSuite, Buffer.alloc(0))).toThrow(/unknown hash suite/);
  });

  it('SM3 gives the GB/T 32905 example digest of "abc"', () => {
    // GB/T 32905-2016 Appendix A, example 1.
    expect(digest('sm3', Buffer.from('abc')).toString('hex')).toBe('66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
  });

  it('the empty-tree hash is the digest of no bytes', () => {
    expect(emptyRoot('sha256').toString('hex')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(emptyRoot('sm3').toString('hex')).toBe('1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b');
  });
});

describe('RFC 9162 §2.1.1 domain separation', () => {
  it('hashes a leaf as H(0x00 ‖ entry)', () => {
    expect(leafHash('sha256', Buffer.from('')).toString('hex')).toBe(sha('00'));
    expect(leafHash('sha256', Buffer.from('2021', 'hex')).toString('hex')).toBe(sha('002021'));
    // The first CT reference leaf hash (the empty entry).
    expect(leafHash('sha256', Buffer.alloc(0)).toString('hex')).toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
  });

  it('hashes a node as H(0x01 ‖ left ‖ right), order mattering', () => {
    const l = Buffer.alloc(HASH_SIZE, 0xaa);
    const r = Buffer.alloc(HASH_SIZE, 0xbb);
    expect(nodeHash('sha256', l, r).toString('hex')).toBe(sha(`01${l.toString('hex')}${r.toString('hex')}`));
    expect(nodeHash('sha256', l, r).equals(nodeHash('sha256', r, l))).toBe(false);
  });

  it('never confuses a leaf with a node over the same bytes (second-preimage guard)', () => {
    const l = Buffer.alloc(HASH_SIZE, 1);
    const r = Buffer.alloc(HASH_SIZE, 2);
    expect(leafHash('sha256', Buffer.concat([l, r])).equals(nodeHash('sha256', l, r))).toBe(false);
    expect(leafHash('sm3', Buffer.concat([l, r])).equals(nodeHash('sm3', l, r))).toBe(false);
  });

  it('gives a fresh buffer each time, so callers may keep or change it', () => {
    const l = Buffer.alloc(HASH_SIZE, 1);
    const a = nodeHash('sha256', l, l);
    const b = nodeHash('sha256', l, l);
    expect(a).not.toBe(b);
    a[0] = a[0]! ^ 0xff;
    expect(nodeHash('sha256', l, l).equals(b)).toBe(true);
  });

  it('refuses node children that are not 32 bytes', () => {
    expect(() => nodeHash('sha256', Buffer.alloc(31), Buffer.alloc(32))).toThrow(RangeError);
    expect(() => nodeHash('sm3', Buffer.alloc(32), Buffer.alloc(33))).toThrow(RangeError);
  });

  it('hashes a leaf from a Uint8Array view as from a Buffer', () => {
    const bytes = new Uint8Array([9, 1, 2, 3, 9]).subarray(1, 4);
    expect(leafHash('sm3', bytes).equals(leafHash('sm3', Buffer.from([1, 2, 3])))).toBe(true);
  });
});

describe('hex at the edges', () => {
  it('round-trips a hash and refuses anything but 64 hex digits', () => {
    const h = emptyRoot('sm3');
    expect(fromHex(toHex(h)).equals(h)).toBe(true);
    expect(fromHex(toHex(h).toUpperCase()).equals(h)).toBe(true);
    expect(() => fromHex('abc')).toThrow(RangeError);
    expect(() => fromHex(`${toHex(h).slice(0, 63)}g`)).toThrow(RangeError);
    expect(toHex(new Uint8Array([0, 255]).subarray(1))).toBe('ff');
  });
});
