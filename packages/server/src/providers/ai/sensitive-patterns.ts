import { isIPv4, isIPv6 } from 'node:net';

/**
 * Finds values in free text (event messages, log lines, rule messages) that
 * identify a site even when no object names them: URLs, e-mail addresses,
 * user names and hosts around an `@`, IPv4 and IPv6 addresses, host names and
 * image references.
 *
 * Every pattern is linear in the input: a match may start only where a run of
 * its characters starts (a lookbehind) and each repetition is bounded, so no
 * input makes the engine rescan a long run from every position. (The earlier
 * URL and e-mail patterns did, and took a minute on 128 KiB of "a.a.a.".)
 */
export interface SensitiveMatch {
  value: string;
  kind: 'url' | 'email' | 'ip' | 'host' | 'image' | 'user';
}

const TRAILING_PUNCTUATION = /[.,;:!?)\]}'"]+$/;

const URL_PATTERN = /(?<![a-z0-9+.-])[a-z][a-z0-9+.-]{0,31}:\/\/[^\s"'<>()[\]{}`,]+/gi;
// user@host (ssh, git, e-mail, a URL's user:password@host once the password
// is redacted): the name before the @ and the DNS name after it.
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const AT_PATTERN = new RegExp(
  `(?<![\\w.%+-])([\\w.%+-]{1,64})@(${LABEL}(?:\\.${LABEL}){0,126})(?![\\w-])`,
  'g',
);
const EMAIL_DOMAIN = /\.[A-Za-z]{2,63}$/;
// Accounts every system has: hiding them would hide "root" and "git" in
// every sentence while telling nothing about the site.
const COMMON_ACCOUNTS = new Set([
  'root',
  'admin',
  'administrator',
  'git',
  'postgres',
  'mysql',
  'redis',
  'ubuntu',
  'debian',
  'centos',
  'ec2-user',
  'nobody',
  'www-data',
]);
// What follows an @ but names no host: image digests (name@sha256:...),
// package versions and tags (lodash@4.17.21, golang.org/x/net@v0.1.0, pkg@latest).
const NOT_A_HOST = /^(?:sha(?:256|384|512)|latest|next|v?\d+(?:\.\d+)*)$/i;
const IPV4_PATTERN = /(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d])/g;
const IPV6_CANDIDATE = /(?<![\w:.])[0-9A-Fa-f]{0,4}:[0-9A-Fa-f:.]{0,44}[0-9A-Fa-f]/g;
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
const HOST_SUFFIX = new Set(HOST_SUFFIXES);
// A dotted run (one pass, no backtracking into it); hostnameIn() then checks
// its labels and suffix in code instead of a pattern retrying every split.
const DOTTED_RUN = /(?<![\w.@-])[A-Za-z0-9][A-Za-z0-9.-]*/g;
// A reference with a registry or repository path and a tag or digest; a bare
// "nginx" is only recognised after the word "image".
const IMAGE_WITH_PATH =
  /(?<![\w./:@-])[a-z0-9][a-z0-9.-]*(?::\d+)?(?:\/[a-z0-9][a-z0-9._-]*)+(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})(?:@sha256:[a-f0-9]{64})?/g;
const IMAGE_AFTER_WORD =
  /\bimages?\b[ \t]{0,8}[:=]?[ \t]{0,8}(["'“]?)([A-Za-z0-9][\w.\-/:@]{0,511})/gi;
// A quoted name:tag whose tag looks like a version ("nginx:1.25", "redis:latest").
const QUOTED_IMAGE = /["'“]([a-z0-9][a-z0-9._/-]{0,255}:(?:v?\d[\w.-]{0,127}|latest|stable))["'”]/g;
const IMAGE_SHAPE =
  /^[a-z0-9][a-z0-9.\-/]*(?::[A-Za-z0-9_][A-Za-z0-9_.-]*)?(?:@sha256:[a-f0-9]{64})?$/;

export function findSensitive(text: string): SensitiveMatch[] {
  const found: SensitiveMatch[] = [];
  const seen = new Set<string>();
  const add = (kind: SensitiveMatch['kind'], raw: string) => {
    const value = raw.replace(TRAILING_PUNCTUATION, '');
    if (!value || seen.has(`${kind} ${value}`)) return;
    seen.add(`${kind} ${value}`);
    found.push({ kind, value });
  };
  const addUser = (name: string) => {
    if (!COMMON_ACCOUNTS.has(name.toLowerCase())) add('user', name);
  };
  for (const m of text.matchAll(URL_PATTERN)) {
    add('url', m[0]);
    const url = parseUrl(m[0].replace(TRAILING_PUNCTUATION, ''));
    const host = url?.hostname.replace(/^\[(.*)\]$/, '$1');
    if (host) add(isIPv4(host) || isIPv6(host) ? 'ip' : 'host', host);
    if (url?.username) addUser(decodeComponent(url.username));
  }
  const seenAt = new Set<string>();
  for (const m of text.matchAll(AT_PATTERN)) {
    const [whole, user, host] = m as unknown as [string, string, string];
    if (seenAt.has(whole)) continue;
    seenAt.add(whole);
    if (NOT_A_HOST.test(host) && !isIPv4(host)) continue;
    if (host.includes('.') && EMAIL_DOMAIN.test(host)) add('email', whole);
    addUser(user);
    add(isIPv4(host) ? 'ip' : 'host', host);
  }
  for (const m of text.matchAll(IPV4_PATTERN)) if (isIPv4(m[0])) add('ip', m[0]);
  for (const m of text.matchAll(IPV6_CANDIDATE)) {
    const candidate = m[0].replace(/[.:]+$/, '');
    if (candidate.includes('::') || candidate.split(':').length >= 3)
      if (isIPv6(candidate)) add('ip', candidate);
  }
  for (const m of text.matchAll(DOTTED_RUN)) {
    const host = hostnameIn(m[0]);
    if (host) add('host', host);
  }
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

function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function parseUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

const LABEL_SHAPE = new RegExp(`^${LABEL}$`);

/**
 * The host name a dotted run is, if any: at least two labels and a suffix
 * host names end with; a sentence's final dot is dropped, and a run that
 * continues past the suffix ("status.phase", "host.com.x") is none.
 */
function hostnameIn(run: string): string | undefined {
  const name = run.replace(/\.+$/, '');
  if (name.length > 253 || !name.includes('.')) return undefined;
  const labels = name.split('.');
  if (!HOST_SUFFIX.has(labels[labels.length - 1]!.toLowerCase())) return undefined;
  return labels.every((label) => LABEL_SHAPE.test(label)) ? name : undefined;
}
