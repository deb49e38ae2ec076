/**
 * Counts the positional `?` markers of a CQL statement, skipping string literals, quoted
 * identifiers and comments. Returns undefined when the statement uses named markers
 * (`:name`), whose count says nothing about an array of parameters.
 */
export function countMarkers(cql: string): number | undefined {
  let count = 0;
  let named = false;
  for (let i = 0; i < cql.length; i++) {
    const c = cql[i];
    if (c === "'" || c === '"') {
      // a quote inside is doubled: 'it''s'
      for (i++; i < cql.length; i++) {
        if (cql[i] === c) {
          if (cql[i + 1] === c) i++;
          else break;
        }
      }
    } else if (c === '$' && cql[i + 1] === '$') {
      const end = cql.indexOf('$$', i + 2);
      i = end === -1 ? cql.length : end + 1;
    } else if ((c === '-' && cql[i + 1] === '-') || (c === '/' && cql[i + 1] === '/')) {
      const end = cql.indexOf('\n', i);
      i = end === -1 ? cql.length : end;
    } else if (c === '/' && cql[i + 1] === '*') {
      const end = cql.indexOf('*/', i + 2);
      i = end === -1 ? cql.length : end + 1;
    } else if (c === '?') count++;
    else if (c === ':' && /[a-zA-Z_]/.test(cql[i + 1] ?? '') && !/[a-zA-Z0-9_]/.test(cql[i - 1] ?? ' ')) named = true;
  }
  return named ? undefined : count;
}
