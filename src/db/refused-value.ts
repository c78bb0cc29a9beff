// Whether the database refused a value it was given as data it cannot take. Such a value
// came from a client, so the answer is a 4xx. Only the "data exception" codes (SQLSTATE
// class 22) that a client's value can cause count; the rest of the class (division by
// zero, a bad regular expression, an invalid escape...) comes from Herald's own SQL and
// stays a 500, logged. The boundary schemas refuse bad values first, naming the field;
// this is the last line of defence. Kept free of imports: the Astro bundle's one error
// mapping uses it.

const CLIENT_VALUE_CODES = new Set([
  '22021', // character_not_in_repertoire: NUL or invalid UTF-8 in text
  '22P05', // untranslatable_character: NUL in jsonb
  '22001', // string_data_right_truncation: too long for its column
  '22P02', // invalid_text_representation: not a number, not a uuid
  '22003', // numeric_value_out_of_range
  '22007', // invalid_datetime_format
  '22008', // datetime_field_overflow: a year past what timestamps hold
]);

export function isRefusedValue(error: unknown): boolean {
  for (
    let cause = error, depth = 0;
    typeof cause === 'object' && cause !== null && depth < 5;
    cause = (cause as { cause?: unknown }).cause, depth++
  ) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && CLIENT_VALUE_CODES.has(code)) return true;
  }
  return false;
}
