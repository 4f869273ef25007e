import type { FastifyInstance } from 'fastify';
import { invalidInput } from '../core/errors.js';

/**
 * The deepest nesting of arrays and objects in a JSON text, or -1 as soon as
 * it passes `limit`. One pass over the text, no recursion: it runs before
 * the text is parsed, so a body of 100 000 nested arrays costs a scan, not a
 * stack overflow in the parser or in any check that walks the parsed value.
 */
export function jsonDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > limit) return -1;
      if (depth > deepest) deepest = depth;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) depth--;
  }
  return deepest;
}

/**
 * application/json bodies are parsed by Fastify's own parser (prototype
 * poisoning checks included) once they are known to nest at most `maxDepth`
 * levels; deeper is a 400 naming the body, before any schema or hook sees it.
 */
export function registerJsonBodyParser(app: FastifyInstance, maxDepth: number): void {
  const parse = app.getDefaultJsonParser('error', 'ignore');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (jsonDepth(body as string, maxDepth) < 0) {
      done(
        invalidInput('body', `nests arrays and objects deeper than ${maxDepth} levels`),
        undefined,
      );
      return;
    }
    parse(request, body as string, done);
  });
}
