import { checkJsonSchema, type JsonSchema } from './json-schema-check.js';
import type { BatchPrompt } from './prompt.js';

export interface AnswerItem {
  finding: string;
  rootCause: string;
  evidence: string[];
  remediation: string[];
  confidence: number;
}

export interface CheckedAnswer {
  /** Items that passed every check, keyed by finding id. */
  valid: Map<string, AnswerItem>;
  /** Empty when the whole answer is valid. */
  problems: string[];
}

/**
 * Parses a model's answer and checks it against the batch's schema and ids.
 * Items that pass are kept even when others fail, so one bad entry does not
 * throw away the rest of a batch.
 */
export function checkAnswer(text: string, prompt: BatchPrompt): CheckedAnswer {
  const valid = new Map<string, AnswerItem>();
  let parsed: unknown;
  try {
    parsed = JSON.parse(jsonPart(text));
  } catch (error) {
    return { valid, problems: [`the answer is not JSON (${(error as Error).message})`] };
  }
  const problems = checkJsonSchema(parsed, prompt.schema);
  const items = (parsed as { explanations?: unknown })?.explanations;
  if (!Array.isArray(items)) return { valid, problems };

  const itemSchema = (prompt.schema.properties?.explanations as JsonSchema).items!;
  items.forEach((item, i) => {
    if (checkJsonSchema(item, itemSchema, `$.explanations[${i}]`).length > 0) return;
    const answer = item as AnswerItem;
    if (valid.has(answer.finding)) {
      problems.push(`$.explanations[${i}].finding: ${answer.finding} is explained twice`);
      return;
    }
    valid.set(answer.finding, answer);
  });
  for (const id of prompt.findingIds.keys())
    if (!valid.has(id) && !problems.some((p) => p.includes(id)))
      problems.push(`$.explanations: no valid entry for ${id}`);
  return { valid, problems };
}

/** The JSON object in an answer, without the Markdown fences or prose some models add. */
function jsonPart(text: string): string {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/.exec(text);
  const body = (fenced ? fenced[1]! : text).trim();
  const start = body.indexOf('{');
  const end = body.lastIndexOf('}');
  return start >= 0 && end > start ? body.slice(start, end + 1) : body;
}
