/**
 * Vectors: test/vectors/jcs-rfc8785.json — the RFC 8785 §3.2.2/§3.2.3 examples and the float-free files of
 * cyberphone/json-canonicalization testdata/ (https://github.com/cyberphone/json-canonicalization).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CanonicalJsonError, canonicalBytes, canonicalize, isCanonical, parseCanonical } from './canonical-json.js';

interface JcsVectors {
  cases: Array<{ name: string; input: string; output: string }>;
}
const jcs = JSON.parse(readFileSync(new URL('../../test/vectors/jcs-rfc8785.json', import.meta.url), 'utf8')) as JcsVectors;

describe('RFC 8785 vectors', () => {
  it.each(jcs.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(canonicalize(JSON.parse(c.input))).toBe(c.output);
    expect(canonicalBytes(JSON.parse(c.input)).equals(Buffer.from(c.output, 'utf8'))).toBe(true);
    expect(isCanonical(Buffer.from(c.output, 'utf8'))).toBe(true);
  });

  it('sorts keys by UTF-16 code units, not by code points or locale', () => {
    // U+1F600 is D83D DE00 in UTF-16, so it sorts before U+FB33 although its code point is larger.
    expect(canonicalize({ '\ufb33': 1, '\u{1F600}': 2 })).toBe('{"\u{1F600}":2,"\ufb33":1}');
    // Chinese keys sort by code unit: 保 U+4FDD < 单 U+5355 < 网 U+7F51.
    expect(canonicalize({ 网: 1, 单: 2, 保: 3 })).toBe('{"保":3,"单":2,"网":1}');
    expect(canonicalize({ b: 1, B: 2, a: 3, A: 4, _: 5, '10': 6, '9': 7 })).toBe('{"10":6,"9":7,"A":4,"B":2,"_":5,"a":3,"b":1}');
  });

  it('escapes strings exactly as RFC 8785 §3.2.2.2 says', () => {
    expect(canonicalize('\u0000\u0001\u001f')).toBe('"\\u0000\\u0001\\u001f"');
    expect(canonicalize('\b\t\n\f\r')).toBe('"\\b\\t\\n\\f\\r"');
    expect(canonicalize('"\\/')).toBe('"\\"\\\\/"');
    // DEL, U+2028/2029, non-ASCII and astral characters stay literal.
    expect(canonicalize('\u007f\u2028\u2029é网😀')).toBe('"\u007f\u2028\u2029é网😀"');
    expect(canonicalBytes('网').toString('hex')).toBe('22e7bd9122');
  });

  it('writes integers in ECMAScript form, -0 as 0, with no whitespace anywhere', () => {
    expect(canonicalize({ a: [0, -0, 1, -1, 100, 1e15, 9007199254740991, -9007199254740991] })).toBe(
      '{"a":[0,0,1,-1,100,1000000000000000,9007199254740991,-9007199254740991]}',
    );
    expect(canonicalize({ nested: { deeper: [[], {}, [null]] }, t: true, f: false })).toBe(
      '{"f":false,"nested":{"deeper":[[],{},[null]]},"t":true}',
    );
    expect(canonicalize(null)).toBe('null');
    expect(canonicalize('')).toBe('""');
  });

  it('takes objects without a prototype and keys that look like special properties', () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare.z = 1;
    bare.a = 2;
    expect(canonicalize(bare)).toBe('{"a":2,"z":1}');
    expect(canonicalize(JSON.parse('{"__proto__":{"x":1},"constructor":2}'))).toBe('{"__proto__":{"x":1},"constructor":2}');
  });
});

describe('round trip', () => {
  it('parses back to the same value and re-canonicalises to the same bytes (property)', () => {
    const value = fc.letrec((tie) => ({
      json: fc.oneof(
        { depthSize: 'small' },
        fc.constant(null),
        fc.boolean(),
        fc.maxSafeInteger(),
        fc.string({ unit: 'grapheme' }),
        fc.string({ unit: 'binary' }).filter((s) => !/\p{Cs}/u.test(s)),
        fc.array(tie('json'), { maxLength: 5 }),
        fc.dictionary(
          fc.string({ unit: 'binary' }).filter((s) => !/\p{Cs}/u.test(s)),
          tie('json'),
          { maxKeys: 5 },
        ),
      ),
    })).json;
    fc.assert(
      fc.property(value, (v) => {
        const bytes = canonicalBytes(v);
        const back = parseCanonical(bytes);
        expect(back).toEqual(JSON.parse(JSON.stringify(v)));
        expect(canonicalBytes(back).equals(bytes)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('does not depend on the order properties were written in', () => {
    expect(canonicalize({ premium: 12800, insured: { name: 'c1', age: 30 } })).toBe(
      canonicalize({ insured: { age: 30, name: 'c1' }, premium: 12800 }),
    );
  });
});

describe('refusals (the ledger never stores floats for money, nor anything JSON cannot carry)', () => {
  const refuses = (value: unknown, path: string, message: RegExp) => {
    let error: unknown;
    try {
      canonicalize(value);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CanonicalJsonError);
    expect((error as CanonicalJsonError).path).toBe(path);
    expect((error as Error).message).toMatch(message);
  };

  it('refuses a non-integer amount and names where it is', () => {
    refuses({ order: { premium: 128.5 } }, '$.order.premium', /non-integer number 128\.5.*integer fen/);
    refuses([1, 2, 0.1], '$[2]', /non-integer/);
    // The RFC 8785 §3.2.2 sample numbers: valid JCS elsewhere, refused here.
    refuses(JSON.parse('{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001]}'), '$.numbers[0]', /non-integer/);
  });

  it('refuses integers beyond the safe range', () => {
    refuses({ amount: 9007199254740992 }, '$.amount', /2\^53/);
    refuses({ amount: -9007199254740992 }, '$.amount', /2\^53/);
    refuses({ big: 1e30 }, '$.big', /2\^53/);
    refuses({ n: 10n }, '$.n', /bigint/);
  });

  it('refuses NaN and Infinity', () => {
    refuses({ x: NaN }, '$.x', /NaN is not a JSON number/);
    refuses({ x: Infinity }, '$.x', /Infinity/);
    refuses({ x: -Infinity }, '$.x', /-Infinity/);
  });

  it('refuses undefined, functions and symbols instead of silently dropping them as JSON.stringify does', () => {
    refuses({ a: 1, b: undefined }, '$.b', /undefined/);
    refuses([undefined], '$[0]', /undefined/);
    refuses(undefined, '$', /undefined/);
    refuses({ f: () => 1 }, '$.f', /function/);
    refuses({ s: Symbol('x') }, '$.s', /symbol/);
    refuses({ [Symbol('k')]: 1 }, '$', /symbol-keyed/);
  });

  it('refuses a Date: callers pass ISO strings', () => {
    refuses({ at: new Date('2025-01-01T00:00:00Z') }, '$.at', /Date.*ISO/);
  });

  it('refuses class instances, boxed values, buffers, maps and sets', () => {
    class Money {
      fen = 1;
    }
    refuses({ m: new Money() }, '$.m', /Money is not a plain object/);
    refuses({ b: Buffer.from('x') }, '$.b', /not a plain object/);
    refuses({ m: new Map() }, '$.m', /Map/);
    refuses({ s: new Set([1]) }, '$.s', /Set/);
    refuses({ s: new String('x') }, '$.s', /String/);
  });

  it('refuses sparse arrays, cycles and lone surrogates', () => {
    // eslint-disable-next-line no-sparse-arrays -- the hole is what is being refused
    refuses([1, , 3], '$[1]', /sparse/);
    const cyclic: Record<string, unknown> = { a: {} };
    (cyclic.a as Record<string, unknown>).back = cyclic;
    refuses(cyclic, '$.a.back', /circular/);
    refuses({ s: 'a\ud800b' }, '$.s', /lone surrogate/);
    refuses({ 'bad\udc00key': 1 }, '$["bad\\udc00key"]', /lone surrogate/);
  });

  it('allows the same object twice when it is not a cycle', () => {
    const shared = { fen: 100 };
    expect(canonicalize({ a: shared, b: [shared] })).toBe('{"a":{"fen":100},"b":[{"fen":100}]}');
  });
});

describe('parseCanonical (checks stored entry bytes were never re-serialised)', () => {
  it('accepts canonical bytes and returns the value', () => {
    expect(parseCanonical(Buffer.from('{"a":[1,"网"],"b":null}'))).toEqual({ a: [1, '网'], b: null });
  });

  it.each([
    ['whitespace', '{"a": 1}'],
    ['unsorted keys', '{"b":1,"a":2}'],
    ['a duplicate key', '{"a":1,"a":1}'],
    ['a float written as 1.0', '{"a":1.0}'],
    ['an exponent', '{"a":1e2}'],
    ['a needless escape', '{"a":"\\u0041"}'],
    ['an escaped slash', '{"a":"\\/"}'],
    ['uppercase hex escape', '{"a":"\\u001F"}'],
    ['a byte-order mark', '\ufeff{"a":1}'],
    ['trailing newline', '{"a":1}\n'],
    ['not JSON', '{a:1}'],
    ['a float', '{"a":0.5}'],
  ])('refuses %s', (_what, text) => {
    expect(isCanonical(Buffer.from(text, 'utf8'))).toBe(false);
    expect(() => parseCanonical(Buffer.from(text, 'utf8'))).toThrow(CanonicalJsonError);
  });

  it('refuses bytes that are not UTF-8', () => {
    expect(() => parseCanonical(Buffer.from([0x22, 0xff, 0x22]))).toThrow(/UTF-8/);
    // An overlong encoding of "/" (0xC0 0xAF) must not be read as "/".
    expect(isCanonical(Buffer.from([0x22, 0xc0, 0xaf, 0x22]))).toBe(false);
  });
});
