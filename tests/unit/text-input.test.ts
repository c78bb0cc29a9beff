import { describe, expect, it } from 'vitest';
import { errorBody, UNSTORABLE_VALUE } from '../../src/infra/errors.ts';
import { text, unstorableText } from '../../src/infra/text-input.ts';

describe('text()', () => {
  it.each([
    ['plain words', 'Plain words', null],
    ['tab and line breaks', 'a\tb\r\nc', null],
    ['a replacement character', 'a\ufffdb', null],
    ['emoji (surrogate pairs)', '👩‍👩‍👧', null],
    ['NUL', 'a\u0000b', 'must not contain control characters such as NUL'],
    ['another C0 control', 'a\u001bb', 'must not contain control characters such as NUL'],
    ['DEL', 'a\u007fb', 'must not contain control characters such as NUL'],
    ['a C1 control', 'a\u0085b', 'must not contain control characters such as NUL'],
    ['a lone high surrogate', 'a\ud800b', 'must be valid Unicode text (it contains a lone surrogate)'],
    ['a lone low surrogate', '\udfff', 'must be valid Unicode text (it contains a lone surrogate)'],
  ])('%s: %j', (_case, value, problem) => {
    expect(unstorableText(value)).toBe(problem);
    const parsed = text(100).safeParse(value);
    expect(parsed.success ? null : parsed.error.issues[0]!.message).toBe(problem);
  });

  it('trims, requires and limits as asked', () => {
    expect(text(5, { required: true }).safeParse('  ok  ')).toEqual({ success: true, data: 'ok' });
    expect(text(5, { required: true }).safeParse('   ').error?.issues[0]?.message).toBe('is required');
    expect(text(5).safeParse('x'.repeat(6)).error?.issues[0]?.message).toBe('must be at most 5 characters');
    expect(text(20, { min: 10, trim: false }).safeParse(' short ').error?.issues[0]?.message).toBe(
      'must be at least 10 characters',
    );
  });
});

describe('errorBody, last line of defence', () => {
  it.each([
    ['22021', 'NUL or invalid UTF-8 in text'],
    ['22P05', 'NUL in jsonb'],
    ['22001', 'a value too long for its column'],
    ['22P02', 'not a number'],
  ])('maps a value the database refused (%s, %s), however wrapped, to 422', (code) => {
    const driverError = Object.assign(new Error('refused'), { code });
    expect(errorBody(Object.assign(new Error('Failed query: ...'), { cause: driverError }))).toMatchObject({
      status: 422,
      body: { error: { code: UNSTORABLE_VALUE, field: null } },
    });
  });

  it.each([
    ['23505', 'a unique violation'],
    ['22012', 'division by zero: our SQL, not the client'],
    ['2201B', 'an invalid regular expression: our SQL'],
    ['22025', 'an invalid escape sequence: our SQL'],
  ])('leaves other database errors a 500 (%s, %s)', (code) => {
    expect(
      errorBody(Object.assign(new Error('Failed query'), { cause: Object.assign(new Error('x'), { code }) })).status,
    ).toBe(500);
  });
});
