import {
  chatCompletion,
  startFakeServer,
  type FakeServer,
  type RecordedRequest,
} from './fake-server.js';

export interface ModelTurn {
  request: RecordedRequest;
  /** Finding ids (F1...) and evidence ids (F1.E1...) the request's schema allows. */
  findingIds: string[];
  evidenceIds: string[];
  prompt: string;
}

/**
 * A protocol fake of an OpenAI-compatible model server whose answers a test
 * scripts from what was actually sent: the batch's ids come from the
 * json_schema the client put in response_format.
 */
export function startScriptedModel(
  script: (turn: ModelTurn, index: number) => string | { status: number; body: unknown },
): Promise<FakeServer> {
  return startFakeServer((request, index) => {
    const schema = (request.body.response_format as { json_schema: { schema: SchemaShape } })
      .json_schema.schema;
    const items = schema.properties.explanations.items.properties;
    const messages = request.body.messages as Array<{ role: string; content: string }>;
    const turn: ModelTurn = {
      request,
      findingIds: items.finding.enum,
      evidenceIds: items.evidence.items.enum ?? [],
      prompt: messages[1]!.content,
    };
    const reply = script(turn, index);
    return typeof reply === 'string' ? { body: chatCompletion(reply) } : reply;
  });
}

interface SchemaShape {
  properties: {
    explanations: {
      items: {
        properties: { finding: { enum: string[] }; evidence: { items: { enum?: string[] } } };
      };
    };
  };
}

/** A valid answer for every finding of the turn, naming the tokens it was given. */
export function validAnswer(turn: ModelTurn, confidence = 0.8): string {
  return JSON.stringify({
    explanations: turn.findingIds.map((id) => {
      const resource =
        new RegExp(`\\[${id}\\][^\\n]*\\nresource: \\S+ (\\S+)`).exec(turn.prompt)?.[1] ?? '?';
      return {
        finding: id,
        rootCause: `${resource} cannot reach its database`,
        evidence: turn.evidenceIds
          .filter((e) => e.startsWith(`${id}.`))
          .slice(0, 1)
          .concat(turn.evidenceIds.slice(0, 1))
          .filter((e, i, all) => all.indexOf(e) === i),
        remediation: [`Check the database address used by ${resource}`],
        confidence,
      };
    }),
  });
}
