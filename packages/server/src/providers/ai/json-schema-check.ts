/**
 * Checks a value against the JSON Schema subset KubeOps sends to models:
 * type, properties, required, additionalProperties: false, items,
 * minItems/maxItems, enum, minLength, minimum/maximum. The answer is checked
 * against the very schema the provider received, and each problem names the
 * JSON path, so a retry can tell the model exactly what to fix.
 */
export type JsonSchema = {
  type?: 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean';
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  enum?: unknown[];
  minLength?: number;
  minimum?: number;
  maximum?: number;
  description?: string;
};

export function checkJsonSchema(value: unknown, schema: JsonSchema, path = '$'): string[] {
  const problems: string[] = [];
  if (schema.type && !hasType(value, schema.type)) {
    problems.push(`${path}: expected ${schema.type}, got ${describe(value)}`);
    return problems;
  }
  if (schema.enum && !schema.enum.some((allowed) => allowed === value))
    problems.push(
      `${path}: ${JSON.stringify(value)} is not one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`,
    );
  if (
    typeof value === 'string' &&
    schema.minLength !== undefined &&
    value.trim().length < schema.minLength
  )
    problems.push(`${path}: must not be empty`);
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum)
      problems.push(`${path}: must be at least ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum)
      problems.push(`${path}: must be at most ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems)
      problems.push(`${path}: needs at least ${schema.minItems} item(s)`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems)
      problems.push(`${path}: allows at most ${schema.maxItems} item(s)`);
    if (schema.items)
      value.forEach((item, i) =>
        problems.push(...checkJsonSchema(item, schema.items!, `${path}[${i}]`)),
      );
  }
  if (schema.type === 'object' && value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    for (const key of schema.required ?? [])
      if (!(key in record)) problems.push(`${path}.${key}: is required`);
    for (const [key, item] of Object.entries(record)) {
      const sub = schema.properties?.[key];
      if (sub) problems.push(...checkJsonSchema(item, sub, `${path}.${key}`));
      else if (schema.additionalProperties === false)
        problems.push(`${path}.${key}: is not allowed`);
    }
  }
  return problems;
}

function hasType(value: unknown, type: NonNullable<JsonSchema['type']>): boolean {
  switch (type) {
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    default:
      return typeof value === type;
  }
}

const describe = (value: unknown) =>
  value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
