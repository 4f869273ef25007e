import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AuditExportQuery, AuditPage, AuditQuery } from '@kubeops/contracts';
import type { ServerContext } from '../context.js';
import { requirePermission } from '../auth/authorizer.js';
import { CSV_HEADER, csvRow, type AuditFilter, type AuditLog } from './audit-log.js';
import { errorResponses } from '../http/error-responses.js';

const errors = errorResponses(400, 401, 403);
const tags = ['audit'];

async function* exportLines(
  audit: AuditLog,
  filter: AuditFilter,
  format: 'csv' | 'json',
): AsyncGenerator<string> {
  if (format === 'csv') {
    yield `${CSV_HEADER}\n`;
    for await (const entry of audit.entries(filter)) yield `${csvRow(entry)}\n`;
    return;
  }
  yield '[';
  let first = true;
  for await (const entry of audit.entries(filter)) {
    yield `${first ? '' : ','}\n${JSON.stringify(entry)}`;
    first = false;
  }
  yield '\n]\n';
}

/** Reading the audit log. There is deliberately no route that changes or deletes an entry. */
export function registerAuditRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const read = requirePermission('audit:read');

  api.get(
    '/api/v1/audit',
    {
      preHandler: read,
      schema: { tags, querystring: AuditQuery, response: { 200: AuditPage, ...errors } },
    },
    async (request) => ctx.audit.query(request.query),
  );

  api.get(
    '/api/v1/audit/export',
    {
      preHandler: read,
      schema: {
        tags,
        querystring: AuditExportQuery,
        produces: ['text/csv', 'application/json'],
        response: { 200: { type: 'string' }, ...errors },
      },
    },
    async (request, reply) => {
      const { format, ...filter } = request.query;
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      reply
        .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="kubeops-audit-${stamp}.${format}"`);
      return reply.send(Readable.from(exportLines(ctx.audit, filter, format)));
    },
  );
}
