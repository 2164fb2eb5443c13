// The OpenAPI 3.1 document of both endpoints, built from the other contract files so the error table
// has one home. `npm run contracts:build` writes it to contracts/openapi.json; a test keeps it fresh.
// Written for the tools people point at it (Specmatic, Prism, Dredd): every error response spelled
// out in full (no allOf with a sibling override), `required` inside each create-body branch, request
// examples named like the response examples they lead to, an `id` example, and the API root in the
// paths (Prism ignores a base path in `servers`).
import { createHash } from 'node:crypto';
import { contract as defaultContract, modelById, runCost, type Contract, type ErrorEntry, type JsonSchema } from './index.ts';
import { choices as defaultChoices, type EmulatorChoices, type UndocumentedError } from './emulator-choices.ts';

type Doc = Record<string, unknown>;

const schemaName = (modelId: string) => `Input_${modelId.replace(/[^A-Za-z0-9]+/g, '_')}`;
const branchName = (modelId: string) => `CreateRun_${modelId.replace(/[^A-Za-z0-9]+/g, '_')}`;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

function inputSchema(schema: JsonSchema): Doc {
  const { $schema: _s, $id: _i, ...rest } = schema;
  return rest;
}

/** The error envelope with the codes one status can carry, written out in full. */
function errorSchema(codes: string[], description: string): Doc {
  return {
    type: 'object',
    description,
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['message', 'code'],
        properties: { message: { type: 'string' }, code: { type: 'string', enum: codes } },
      },
    },
  };
}

/** The message an example shows: the emulator's, so an example and the emulator's answer agree. */
const exampleMessage = (ch: EmulatorChoices, e: ErrorEntry) => e.message ?? ch.messages[e.code] ?? e.cause;

const jsonContent = (schemaRef: string, examples?: Doc) => ({ 'application/json': { schema: ref(schemaRef), ...(examples ? { examples } : {}) } });

function errorResponses(c: Contract, ch: EmulatorChoices, codes: ErrorEntry[]): Doc {
  const byStatus = new Map<number, ErrorEntry[]>();
  for (const e of codes) byStatus.set(e.status, [...(byStatus.get(e.status) ?? []), e]);
  const out: Doc = {};
  for (const [status, entries] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    out[String(status)] = {
      description: entries.map((e) => `\`${e.code}\`: ${e.cause}`).join(' '),
      content: jsonContent(`Error${status}`, Object.fromEntries(entries.map((e) => [e.code, { summary: e.cause, value: { error: { message: exampleMessage(ch, e), code: e.code } } }]))),
    };
  }
  out[String(c.errors.serverError.status)] = { description: `${c.errors.serverError.cause} ${c.errors.serverError.fix}` };
  return out;
}

/** An answer the Runbase docs do not state, as the reference emulator gives it (docs/emulator.md). */
function undocumentedResponse(e: UndocumentedError, why: string): Doc {
  return {
    description: `Not in the Runbase docs: ${why}; the reference emulator answers \`${e.code}\` (contracts/emulator.json).`,
    content: jsonContent(`Error${e.status}`, { [e.code]: { summary: why, value: { error: { message: e.message, code: e.code } } } }),
  };
}

const codesFor = (c: Contract, codes: string[]) => c.errors.errors.filter((e) => codes.includes(e.code));

/** Which documented errors each endpoint can give: both share auth, access and limits. */
function endpointErrors(c: Contract): { create: ErrorEntry[]; read: ErrorEntry[] } {
  const f = c.errors.faults;
  const shared = [f.noAuth, f.unknownKey, f.ipNotAllowed, f.spendReached, f.rateLimited, f.quotaExhausted].map((x) => x.code);
  const createOnly = [f.notJson, f.modelMissing, f.inputMissing, f.schemaViolation, f.unknownModel, f.lowBalance].map((x) => x.code);
  return { create: codesFor(c, [...createOnly, ...shared]), read: codesFor(c, [f.unknownRun.code, ...shared]) };
}

/** Error component schemas, one per status, with every code that status carries anywhere. */
function errorSchemas(c: Contract, ch: EmulatorChoices): Doc {
  const out: Doc = {};
  for (const status of [...new Set(c.errors.errors.map((e) => e.status))].sort((a, b) => a - b)) {
    const codes = c.errors.errors.filter((e) => e.status === status).map((e) => e.code);
    out[`Error${status}`] = errorSchema(codes, `The documented error envelope of a ${status}.`);
  }
  const tooLarge = ch.undocumentedErrors.payloadTooLarge;
  out[`Error${tooLarge.status}`] = errorSchema([tooLarge.code], 'The envelope of an oversized body (not in the Runbase docs; the reference emulator\'s answer).');
  return out;
}

/**
 * Request examples named like the response examples they lead to (Specmatic pairs them by name). Only
 * the answers any healthy key can provoke: 401/402/403/429 need a key in a particular state, which a
 * document cannot carry, and `invalid_json` cannot be written as a JSON example.
 */
function createExamples(c: Contract, ch: EmulatorChoices): { request: Doc; created: Doc } {
  const model = modelById(c.models.defaultModel, c)!;
  const input = { prompt: 'A red fox in the snow' };
  const badInput = { prompt: 'A red fox in the snow', aspect_ratio: 'not-a-ratio' };
  const by = (code: string) => codesFor(c, [code])[0]!.cause;
  const f = c.errors.faults;
  return {
    request: {
      created: { summary: 'A valid create', value: { model: model.id, input } },
      [f.modelMissing.code]: { summary: by(f.modelMissing.code), value: { input } },
      [f.inputMissing.code]: { summary: by(f.inputMissing.code), value: { model: model.id } },
      [f.unknownModel.code]: { summary: by(f.unknownModel.code), value: { model: 'acme/no-such-model', input } },
      [f.schemaViolation.code]: { summary: by(f.schemaViolation.code), value: { model: model.id, input: badInput } },
    },
    created: { summary: 'The run, pending', value: { id: ch.exampleRun.id.replace(/EXAMPLE/, 'CREATED'), model: model.id, status: c.limits.runs.initialStatus, costUsd: runCost(model, input) } },
  };
}

export function buildOpenApi(c: Contract = defaultContract, ch: EmulatorChoices = defaultChoices): Doc {
  const { limits, models } = c;
  const errors = endpointErrors(c);
  const create = limits.endpoints.createRun;
  const read = limits.endpoints.readRun;
  const root = limits.apiRootPath;
  const modelSchemas = Object.fromEntries(models.models.map((m) => [schemaName(m.id), { ...inputSchema(m.input), description: `Input of ${m.id} (${m.doc}).` }]));
  // One branch per model, each complete on its own: `{}` matches none of them.
  const branches = Object.fromEntries(models.models.map((m) => [branchName(m.id), {
    type: 'object',
    required: ['model', 'input'],
    properties: { model: { type: 'string', enum: [m.id] }, input: ref(schemaName(m.id)) },
  }]));
  const examples = createExamples(c, ch);
  const exampleModel = modelById(ch.exampleRun.model, c)!;
  const exampleRun = {
    id: ch.exampleRun.id, model: exampleModel.id, status: 'succeeded', costUsd: runCost(exampleModel, {}),
    createdAt: '2026-01-01T00:00:00.000Z', completedAt: '2026-01-01T00:00:04.200Z', output: { urls: [`${ch.outputHost}/${ch.exampleRun.id}/output-0.png`] },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Runbase API',
      // The hash of what the document is built from (not of contracts/ as a whole, which holds this file).
      version: createHash('sha256').update(JSON.stringify([c.errors, c.limits, c.models, ch.undocumentedErrors, ch.exampleRun, ch.messages])).digest('hex').slice(0, 12),
      description: `The documented contract of the Runbase runs API, generated from contracts/ of the conformance suite. Rate limit: ${limits.rateLimit.requests} requests per ${limits.rateLimit.windowSeconds} s per API key, shared by both endpoints. costUsd is in micro-USD; key spend limits are in cents (1 cent = ${limits.money.microUsdPerCent} micro-USD). The paths carry the API root ${root}; a deployment that serves the API at another root (e.g. https://api.runbase.net/v1) needs it rewritten. Request bodies are JSON only: a create sent with another Content-Type, or none, is not a JSON body (the reference emulator answers 400 invalid_json). Examples: the \`id\` example names a run the reference emulator holds for its first fixture set; error request examples are paired by name with the response examples they lead to.`,
    },
    servers: [{ url: 'https://runbase.net', description: `Production (API root ${root}, carried by the paths).` }],
    security: [{ bearerAuth: [] }],
    paths: {
      [root + create.path]: {
        [create.method.toLowerCase()]: {
          operationId: 'createRun',
          summary: 'Create a run',
          externalDocs: { url: create.doc },
          requestBody: { required: true, content: jsonContent('CreateRunRequest', examples.request) },
          responses: {
            [String(create.successStatus)]: { description: 'The run was created; its cost was taken from the balance.', content: jsonContent('Run', { created: examples.created }) },
            ...errorResponses(c, ch, errors.create),
            [String(ch.undocumentedErrors.payloadTooLarge.status)]: undocumentedResponse(ch.undocumentedErrors.payloadTooLarge, `a body over ${ch.bodyLimitBytes} bytes`),
          },
        },
      },
      [root + read.path]: {
        [read.method.toLowerCase()]: {
          operationId: 'readRun',
          summary: "Read a run's status and, when done, its result",
          externalDocs: { url: read.doc },
          parameters: [{
            // One `example`, not named `examples`: Dredd reads only this form, and Specmatic uses it too.
            name: 'id', in: 'path', required: true, schema: { type: 'string' }, example: ch.exampleRun.id,
            description: `A run id (\`${limits.runs.idPrefix}…\`). The example is a run the reference emulator holds for its first fixture set.`,
          }],
          responses: {
            [String(read.successStatus)]: { description: 'The run (the success status of GET is not stated in the docs; 200 is the reading).', content: jsonContent('Run', { read: { summary: 'A succeeded run', value: exampleRun } }) },
            ...errorResponses(c, ch, errors.read),
          },
        },
      },
    },
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: limits.keys.scheme.toLowerCase(), description: `API keys begin with \`${limits.keys.prefix}\`.` } },
      schemas: {
        ...errorSchemas(c, ch),
        CreateRunRequest: {
          description: 'One branch per model: `model` names it, `input` follows its schema.',
          oneOf: models.models.map((m) => ref(branchName(m.id))),
          discriminator: { propertyName: 'model', mapping: Object.fromEntries(models.models.map((m) => [m.id, `#/components/schemas/${branchName(m.id)}`])) },
        },
        ...branches,
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

/**
 * Specmatic's external examples (the `openapi_examples/` folder beside the document, one file each):
 * what the document cannot say inline. Specmatic pairs a path parameter only through a named example,
 * while Dredd reads only a single `example`; and the 401 answers need an `Authorization` header of
 * their own, which an OpenAPI example cannot carry. Written by `npm run contracts:build`.
 */
export function buildSpecmaticExamples(c: Contract = defaultContract, ch: EmulatorChoices = defaultChoices): Record<string, Doc> {
  const doc = buildOpenApi(c, ch) as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { examples?: Record<string, { value: unknown }> }> }> }>> };
  const root = c.limits.apiRootPath;
  const create = c.limits.endpoints.createRun;
  const read = c.limits.endpoints.readRun;
  const f = c.errors.faults;
  const createOp = doc.paths[root + create.path]![create.method.toLowerCase()]!;
  const readOp = doc.paths[root + read.path]![read.method.toLowerCase()]!;
  const responseExample = (op: typeof readOp, name: string) => {
    const [status, response] = Object.entries(op.responses).find(([, r]) => r.content?.['application/json']?.examples?.[name])!;
    return { status: Number(status), headers: { 'Content-Type': 'application/json' }, body: response.content!['application/json']!.examples![name]!.value };
  };
  const createBody = (createOp as unknown as { requestBody: { content: Record<string, { examples: Record<string, { value: unknown }> }> } }).requestBody.content['application/json']!.examples.created!.value;
  const runPath = (id: string) => root + read.path.replace('{id}', id);
  const unknownRun = `${c.limits.runs.idPrefix}${'0'.repeat(ch.runIdRandomChars)}`;
  // A key of the documented form that no account holds, and a header of the wrong form.
  const unknownKey = `${c.limits.keys.scheme} ${c.limits.keys.prefix}${'0'.repeat(ch.keyRandomChars)}`;
  const wrongForm = `Token ${c.limits.keys.prefix}${'0'.repeat(ch.keyRandomChars)}`;
  const post = (headers: Record<string, string>) => ({ method: create.method, path: root + create.path, headers: { 'Content-Type': 'application/json', ...headers }, body: createBody });
  const get = (id: string, headers: Record<string, string> = {}) => ({ method: read.method, path: runPath(id), ...(Object.keys(headers).length ? { headers } : {}) });
  return {
    'read.json': { 'http-request': get(ch.exampleRun.id), 'http-response': responseExample(readOp, 'read') },
    [`${f.unknownRun.code}.json`]: { 'http-request': get(unknownRun), 'http-response': responseExample(readOp, f.unknownRun.code) },
    [`readRun_${f.unknownKey.code}.json`]: { 'http-request': get(ch.exampleRun.id, { Authorization: unknownKey }), 'http-response': responseExample(readOp, f.unknownKey.code) },
    [`readRun_${f.malformedAuth.code}.json`]: { 'http-request': get(ch.exampleRun.id, { Authorization: wrongForm }), 'http-response': responseExample(readOp, f.malformedAuth.code) },
    [`createRun_${f.unknownKey.code}.json`]: { 'http-request': post({ Authorization: unknownKey }), 'http-response': responseExample(createOp, f.unknownKey.code) },
    [`createRun_${f.malformedAuth.code}.json`]: { 'http-request': post({ Authorization: wrongForm }), 'http-response': responseExample(createOp, f.malformedAuth.code) },
  };
}

export const SPECMATIC_EXAMPLES_DIR = 'openapi_examples';

export function renderSpecmaticExamples(c: Contract = defaultContract, ch: EmulatorChoices = defaultChoices): Record<string, string> {
  return Object.fromEntries(Object.entries(buildSpecmaticExamples(c, ch)).map(([name, ex]) => [name, `${JSON.stringify(ex, null, 2)}\n`]));
}

export function renderOpenApi(c: Contract = defaultContract, ch: EmulatorChoices = defaultChoices): string {
  return `${JSON.stringify(buildOpenApi(c, ch), null, 2)}\n`;
}
