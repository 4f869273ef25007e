import { isIPv4, isIPv6 } from 'node:net';

/**
 * Finds values in free text (event messages, log lines, rule messages) that
 * identify a site even when no object names them: URLs, e-mail addresses,
 * IPv4 and IPv6 addresses, host names and image references.
 */
export interface SensitiveMatch {
  value: string;
  kind: 'url' | 'email' | 'ip' | 'host' | 'image';
}

const TRAILING_PUNCTUATION = /[.,;:!?)\]}'"]+$/;

const URL_PATTERN = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>()[\]{}`,]+/gi;
const EMAIL_PATTERN = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
const IPV4_PATTERN = /(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d])/g;
const IPV6_CANDIDATE = /(?<![\w:.])[0-9A-Fa-f]*:[0-9A-Fa-f:.]*[0-9A-Fa-f]/g;
// Top-level and private-use suffixes host names in clusters end with; a dotted
// word ending in anything else ("status.phase", "config.json") is not a host.
const HOST_SUFFIXES = [
  'com',
  'net',
  'org',
  'io',
  'dev',
  'ai',
  'app',
  'cloud',
  'co',
  'cn',
  'hk',
  'tw',
  'sg',
  'jp',
  'kr',
  'de',
  'fr',
  'uk',
  'nl',
  'eu',
  'us',
  'ca',
  'au',
  'in',
  'br',
  'ru',
  'me',
  'tech',
  'info',
  'biz',
  'xyz',
  'top',
  'site',
  'online',
  'local',
  'localdomain',
  'internal',
  'intranet',
  'lan',
  'corp',
  'home',
  'arpa',
  'example',
  'test',
  'invalid',
  'svc',
];
const HOST_PATTERN = new RegExp(
  `(?<![\\w.@-])(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+(?:${HOST_SUFFIXES.join('|')})(?![\\w-]|\\.\\w)`,
  'gi',
);
// A reference with a registry or repository path and a tag or digest; a bare
// "nginx" is only recognised after the word "image".
const IMAGE_WITH_PATH =
  /(?<![\w./:@-])[a-z0-9][a-z0-9.-]*(?::\d+)?(?:\/[a-z0-9][a-z0-9._-]*)+(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})(?:@sha256:[a-f0-9]{64})?/g;
const IMAGE_AFTER_WORD = /\bimages?\b\s*[:=]?\s*(["'“]?)([A-Za-z0-9][\w.\-/:@]*)/gi;
// A quoted name:tag whose tag looks like a version ("nginx:1.25", "redis:latest").
const QUOTED_IMAGE = /["'“]([a-z0-9][a-z0-9._/-]*:(?:v?\d[\w.-]*|latest|stable))["'”]/g;
const IMAGE_SHAPE =
  /^[a-z0-9][a-z0-9.\-/]*(?::[A-Za-z0-9_][A-Za-z0-9_.-]*)?(?:@sha256:[a-f0-9]{64})?$/;

export function findSensitive(text: string): SensitiveMatch[] {
  const found: SensitiveMatch[] = [];
  const add = (kind: SensitiveMatch['kind'], raw: string) => {
    const value = raw.replace(TRAILING_PUNCTUATION, '');
    if (value) found.push({ kind, value });
  };
  for (const m of text.matchAll(URL_PATTERN)) {
    add('url', m[0]);
    const host = hostOf(m[0].replace(TRAILING_PUNCTUATION, ''));
    if (host) add(isIPv4(host) || isIPv6(host) ? 'ip' : 'host', host);
  }
  for (const m of text.matchAll(EMAIL_PATTERN)) add('email', m[0]);
  for (const m of text.matchAll(IPV4_PATTERN)) if (isIPv4(m[0])) add('ip', m[0]);
  for (const m of text.matchAll(IPV6_CANDIDATE)) {
    const candidate = m[0].replace(/[.:]+$/, '');
    if (candidate.includes('::') || candidate.split(':').length >= 3)
      if (isIPv6(candidate)) add('ip', candidate);
  }
  for (const m of text.matchAll(HOST_PATTERN)) add('host', m[0]);
  for (const m of text.matchAll(IMAGE_WITH_PATH)) add('image', m[0]);
  for (const m of text.matchAll(IMAGE_AFTER_WORD)) {
    const candidate = m[2]!.replace(TRAILING_PUNCTUATION, '');
    // Unquoted, only a reference with a tag, digest or path counts: "image pull failed" names no image.
    const looksLikeReference = m[1] !== '' || /[:/@]/.test(candidate);
    if (looksLikeReference && IMAGE_SHAPE.test(candidate) && /[a-z]/.test(candidate))
      add('image', candidate);
  }
  for (const m of text.matchAll(QUOTED_IMAGE)) add('image', m[1]!);
  return found;
}

function hostOf(url: string): string | undefined {
  try {
    const host = new URL(url).hostname;
    return host.startsWith('[') ? host.slice(1, -1) : host || undefined;
  } catch {
    return undefined;
  }
}
