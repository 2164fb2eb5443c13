// The OpenAPI 3.1 document of both endpoints, built from the other contract files so the error table
// has one home. `npm run contracts:build` writes it to contracts/openapi.json; a test keeps it fresh.
import { createHash } from 'node:crypto';
import { contract as defaultContract, type Contract, type ErrorEntry, type JsonSchema } from './index.ts';

type Doc = Record<string, unknown>;

const schemaName = (modelId: string) => `Input_${modelId.replace(/[^A-Za-z0-9]+/g, '_')}`;

function inputSchema(schema: JsonSchema): Doc {
  const { $schema: _s, $id: _i, ...rest } = schema;
  return rest;
}

function errorResponses(c: Contract, codes: ErrorEntry[]): Doc {
  const byStatus = new Map<number, ErrorEntry[]>();
  for (const e of codes) byStatus.set(e.status, [...(byStatus.get(e.status) ?? []), e]);
  const out: Doc = {};
  for (const [status, entries] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    out[String(status)] = {
      description: entries.map((e) => `\`${e.code}\`: ${e.cause}`).join(' '),
      content: {
        'application/json': {
          schema: {
            allOf: [{ $ref: '#/components/schemas/ErrorEnvelope' }],
            properties: { error: { type: 'object', properties: { code: { type: 'string', enum: entries.map((e) => e.code) } } } },
          },
          examples: Object.fromEntries(entries.map((e) => [e.code, { summary: e.cause, value: { error: { message: e.message ?? e.cause, code: e.code } } }])),
        },
      },
    };
  }
  out[String(c.errors.serverError.status)] = { description: `${c.errors.serverError.cause} ${c.errors.serverError.fix}` };
  return out;
}

const codesFor = (c: Contract, codes: string[]) => c.errors.errors.filter((e) => codes.includes(e.code));

/** Which documented errors each endpoint can give: both share auth, access and limits. */
function endpointErrors(c: Contract): { create: ErrorEntry[]; read: ErrorEntry[] } {
  const f = c.errors.faults;
  const shared = [f.noAuth, f.unknownKey, f.ipNotAllowed, f.spendReached, f.rateLimited, f.quotaExhausted].map((x) => x.code);
  const createOnly = [f.notJson, f.modelMissing, f.inputMissing, f.schemaViolation, f.unknownModel, f.lowBalance].map((x) => x.code);
  return { create: codesFor(c, [...createOnly, ...shared]), read: codesFor(c, [f.unknownRun.code, ...shared]) };
}

export function buildOpenApi(c: Contract = defaultContract): Doc {
  const { limits, models } = c;
  const errors = endpointErrors(c);
  const create = limits.endpoints.createRun;
  const read = limits.endpoints.readRun;
  const modelSchemas = Object.fromEntries(models.models.map((m) => [schemaName(m.id), { ...inputSchema(m.input), description: `Input of ${m.id} (${m.doc}).` }]));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Runbase API',
      // The hash of what the document is built from (not of contracts/ as a whole, which holds this file).
      version: createHash('sha256').update(JSON.stringify([c.errors, c.limits, c.models])).digest('hex').slice(0, 12),
      description: `The documented contract of the Runbase runs API, generated from contracts/ of the conformance suite. Rate limit: ${limits.rateLimit.requests} requests per ${limits.rateLimit.windowSeconds} s per API key, shared by both endpoints. costUsd is in micro-USD; key spend limits are in cents (1 cent = ${limits.money.microUsdPerCent} micro-USD).`,
    },
    servers: [{ url: `https://runbase.net${limits.apiRootPath}` }, { url: 'https://api.runbase.net/v1' }],
    security: [{ bearerAuth: [] }],
    paths: {
      [create.path]: {
        [create.method.toLowerCase()]: {
          operationId: 'createRun',
          summary: 'Create a run',
          externalDocs: { url: create.doc },
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/CreateRunRequest' } } } },
          responses: {
            [String(create.successStatus)]: { description: 'The run was created; its cost was taken from the balance.', content: { 'application/json': { schema: { $ref: '#/components/schemas/Run' } } } },
            ...errorResponses(c, errors.create),
          },
        },
      },
      [read.path]: {
        [read.method.toLowerCase()]: {
          operationId: 'readRun',
          summary: "Read a run's status and, when done, its result",
          externalDocs: { url: read.doc },
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            [String(read.successStatus)]: { description: 'The run (the success status of GET is not stated in the docs; 200 is the reading).', content: { 'application/json': { schema: { $ref: '#/components/schemas/Run' } } } },
            ...errorResponses(c, errors.read),
          },
        },
      },
    },
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: limits.keys.scheme.toLowerCase(), description: `API keys begin with \`${limits.keys.prefix}\`.` } },
      schemas: {
        ErrorEnvelope: {
          type: 'object',
          required: ['error'],
          properties: { error: { type: 'object', required: ['message', 'code'], properties: { message: { type: 'string' }, code: { type: 'string' } } } },
        },
        CreateRunRequest: {
          type: 'object',
          required: ['model', 'input'],
          properties: { model: { type: 'string', enum: models.models.map((m) => m.id) }, input: { type: 'object' } },
          oneOf: models.models.map((m) => ({ properties: { model: { const: m.id }, input: { $ref: `#/components/schemas/${schemaName(m.id)}` } } })),
        },
        Run: {
          type: 'object',
          required: ['id', 'model', 'status', 'costUsd'],
          properties: {
            id: { type: 'string', pattern: `^${limits.runs.idPrefix}` },
            model: { type: 'string' },
            status: { type: 'string', enum: limits.runs.statuses },
            costUsd: { type: 'integer', minimum: 0, description: 'Cost in micro-USD.' },
            output: { type: 'object', properties: { urls: { type: 'array', items: { type: 'string', format: 'uri' }, minItems: 1 } } },
            error: { description: 'Present on failed runs; its shape is not documented.' },
            createdAt: { type: 'string', format: 'date-time' },
            completedAt: { type: 'string', format: 'date-time' },
          },
        },
        ...modelSchemas,
      },
    },
  };
}

export function renderOpenApi(c: Contract = defaultContract): string {
  return `${JSON.stringify(buildOpenApi(c), null, 2)}\n`;
}
