import { FormatRegistry } from '@sinclair/typebox';

/** An absolute http(s) URL a URL parser accepts (a pattern alone lets `http://[1:]` through). */
export function isHttpUrl(value: string): boolean {
  return URL.canParse(value) && ['http:', 'https:'].includes(new URL(value).protocol);
}

/**
 * The string formats KubeOps schemas use, for ajv (request validation) and
 * TypeBox (configuration): `uri` in configuration and `http-url` in the API
 * contracts both mean an http(s) URL.
 */
export const STRING_FORMATS = { uri: isHttpUrl, 'http-url': isHttpUrl } as const;

for (const [name, check] of Object.entries(STRING_FORMATS))
  if (!FormatRegistry.Has(name)) FormatRegistry.Set(name, check);
