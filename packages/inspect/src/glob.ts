const cache = new Map<string, RegExp>();

/** Shell-style glob (`*`, `?`) matched against the whole string. */
export function globMatch(pattern: string, value: string): boolean {
  let regex = cache.get(pattern);
  if (!regex) {
    const body = pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.+()[\]{}|]/g, '\\$&')))
      .join('');
    regex = new RegExp(`^${body}$`);
    cache.set(pattern, regex);
  }
  return regex.test(value);
}
