// One answer to every point the Runbase docs leave open: contracts/emulator.json (the choice), the
// OpenAPI document (what tools are told) and the emulator (what it does) must agree. Each probe goes
// over real HTTP to the emulator; its answer is checked against the status and schema the document
// declares for the operation (or against the absence of one) and against contracts/emulator.json.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { contract, contractsDir } from '../src/contract/index.ts';
import { choices } from '../src/contract/emulator-choices.ts';
import { SPECMATIC_EXAMPLES_DIR } from '../src/contract/openapi.ts';
import { startEmulator, provisionFixtures, type RunningEmulator } from '../src/emulator/index.ts';

const doc = JSON.parse(readFileSync(join(contractsDir, 'openapi.json'), 'utf8'));
const root = contract.limits.apiRootPath;
const createPath = root + contract.limits.endpoints.createRun.path;
const readPath = root + contract.limits.endpoints.readRun.path;
const createOp = doc.paths[createPath][contract.limits.endpoints.createRun.method.toLowerCase()];
const readOp = doc.paths[readPath][contract.limits.endpoints.readRun.method.toLowerCase()];

// The document's schemas, resolvable by $ref (`discriminator` and `example` are OpenAPI words, not JSON Schema's).
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema({ $id: 'openapi', components: doc.components });
const validBody = (op: any, status: number, body: unknown): string[] => {
  const ref = op.responses[String(status)]?.content?.['application/json']?.schema?.$ref as string | undefined;
  if (!ref) return [`no JSON schema declared for ${status}`];
  const validate = ajv.getSchema(`openapi${ref}`)!;
  return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
};

interface Reply { status: number; body: any; headers: Record<string, string | string[] | undefined> }

describe('docs/emulator.md, contracts/openapi.json and the emulator give one answer', () => {
  let emu: RunningEmulator;
  let key: string;
  const send = async (method: string, path: string, opts: { body?: string | Buffer; contentType?: string | null } = {}): Promise<Reply> => {
    const headers: Record<string, string> = { authorization: `Bearer ${key}` };
    const type = opts.contentType === undefined ? 'application/json' : opts.contentType;
    if (opts.body !== undefined && type !== null) headers['content-type'] = type;
    const res = await request(emu.url + path, { method: method as 'GET', headers, ...(opts.body === undefined ? {} : { body: opts.body }) });
    const text = await res.body.text();
    let body: unknown = text;
    try { body = JSON.parse(text); } catch { /* not JSON: left as text */ }
    return { status: res.statusCode, body, headers: res.headers };
  };
  const balance = () => emu.state.account(emu.state.key(key)!.accountId)!.balanceMicroUsd;

  beforeAll(async () => {
    emu = await startEmulator({ clock: 'virtual', rateLimit: 'off' });
    key = provisionFixtures(emu.state, { url: emu.url, adminUrl: emu.adminUrl, adminToken: emu.adminToken }).RUNBASE_API_KEY!.split(',')[1]!;
  });
  afterAll(() => emu.close());

  const validCreate = JSON.stringify(createOp.requestBody.content['application/json'].examples.created.value);

  it.each([
    ['no Content-Type', null],
    ['Content-Type: text/plain', 'text/plain'],
    ['Content-Type: application/x-www-form-urlencoded', 'application/x-www-form-urlencoded'],
  ])('a create sent with %s is the declared "not JSON" answer and bills nothing', async (_what, contentType) => {
    expect(Object.keys(createOp.requestBody.content)).toEqual([choices.jsonMediaType]);
    const before = balance();
    const reply = await send('POST', createPath, { body: validCreate, contentType });
    expect(reply.body).toEqual({ error: { code: contract.errors.faults.notJson.code, message: choices.messages.invalid_json_content_type } });
    expect(validBody(createOp, reply.status, reply.body)).toEqual([]);
    expect(balance()).toBe(before);
  });

  it('a body that is not JSON is judged as such whatever its Content-Type (the body is checked first)', async () => {
    const reply = await send('POST', createPath, { body: '{"model": ', contentType: 'text/plain' });
    expect(reply.body).toEqual({ error: { code: contract.errors.faults.notJson.code, message: choices.messages[contract.errors.faults.notJson.code] } });
    expect(validBody(createOp, reply.status, reply.body)).toEqual([]);
  });

  it('a create sent as application/json with parameters is JSON', async () => {
    const reply = await send('POST', createPath, { body: validCreate, contentType: `${choices.jsonMediaType.toUpperCase()}; charset=utf-8` });
    expect(reply.status).toBe(contract.limits.endpoints.createRun.successStatus);
    expect(validBody(createOp, reply.status, reply.body)).toEqual([]);
  });

  it('an oversized body is the declared 413 with the emulator.json code', async () => {
    const tooLarge = choices.undocumentedErrors.payloadTooLarge;
    const reply = await send('POST', createPath, { body: Buffer.alloc(choices.bodyLimitBytes + 1, 0x20) });
    expect(reply.status).toBe(tooLarge.status);
    expect(reply.body).toEqual({ error: { code: tooLarge.code, message: tooLarge.message } });
    expect(validBody(createOp, reply.status, reply.body)).toEqual([]);
  });

  it('an unknown route is the emulator.json answer, on a path the document does not declare', async () => {
    const notFound = choices.undocumentedErrors.routeNotFound;
    for (const path of [`${root}/nothing`, `${createPath}/a/b`, '/']) {
      expect(Object.keys(doc.paths)).not.toContain(path);
      const reply = await send('GET', path);
      expect(reply.status, path).toBe(notFound.status);
      expect(reply.body, path).toEqual({ error: { code: notFound.code, message: notFound.message } });
    }
  });

  it('a method the document does not declare on a path is 405 with Allow naming exactly the declared ones', async () => {
    const notAllowed = choices.undocumentedErrors.methodNotAllowed;
    for (const [path, probe] of [[createPath, createPath], [readPath, readPath.replace('{id}', choices.exampleRun.id)]] as const) {
      const declared = Object.keys(doc.paths[path]).map((m) => m.toUpperCase());
      for (const method of ['PUT', 'DELETE', 'PATCH', 'POST', 'GET'].filter((m) => !declared.includes(m))) {
        const reply = await send(method, probe, method === 'DELETE' ? {} : { body: validCreate });
        expect(reply.status, `${method} ${path}`).toBe(notAllowed.status);
        expect(reply.body).toEqual({ error: { code: notAllowed.code, message: notAllowed.message } });
        expect(reply.headers.allow).toBe(declared.join(', '));
      }
    }
  });

  it("every request example gets the status and code of the response example of its name, and the example's message", async () => {
    const requestExamples = createOp.requestBody.content['application/json'].examples as Record<string, { value: unknown }>;
    expect(Object.keys(requestExamples).length).toBeGreaterThan(1);
    for (const [name, example] of Object.entries(requestExamples)) {
      const [status, response] = Object.entries(createOp.responses as Record<string, any>).find(([, r]) => r.content?.['application/json']?.examples?.[name]) ?? [];
      expect(status, `response example ${name}`).toBeDefined();
      const reply = await send('POST', createPath, { body: JSON.stringify(example.value) });
      expect(reply.status, name).toBe(Number(status));
      expect(validBody(createOp, reply.status, reply.body), name).toEqual([]);
      const expected = response.content['application/json'].examples[name].value;
      if (expected.error) {
        expect(reply.body.error.code, name).toBe(expected.error.code);
        // invalid_input adds which field broke the schema after the example's text.
        expect(reply.body.error.message.startsWith(expected.error.message), name).toBe(true);
      }
    }
  });

  it('the `id` example is a run the emulator holds, answered as the 200 example shows', async () => {
    const reply = await send('GET', readPath.replace('{id}', readOp.parameters[0].example));
    expect(reply.status).toBe(contract.limits.endpoints.readRun.successStatus);
    expect(validBody(readOp, reply.status, reply.body)).toEqual([]);
    const example = readOp.responses[String(reply.status)].content['application/json'].examples.read.value;
    expect(Object.keys(reply.body).sort()).toEqual(Object.keys(example).sort());
    expect({ id: reply.body.id, model: reply.body.model, costUsd: reply.body.costUsd }).toEqual({ id: example.id, model: example.model, costUsd: example.costUsd });
  });

  it("every Specmatic example (contracts/openapi_examples) gets its response's status, code and message", async () => {
    const dir = join(contractsDir, SPECMATIC_EXAMPLES_DIR);
    for (const file of readdirSync(dir)) {
      const { 'http-request': req, 'http-response': res } = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      const headers: Record<string, string> = { authorization: `Bearer ${key}`, ...Object.fromEntries(Object.entries(req.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v as string])) };
      const reply = await request(emu.url + req.path, { method: req.method, headers, ...(req.body === undefined ? {} : { body: JSON.stringify(req.body) }) });
      const body = (await reply.body.json()) as any;
      expect(reply.statusCode, file).toBe(res.status);
      expect(validBody(req.method === 'GET' ? readOp : createOp, reply.statusCode, body), file).toEqual([]);
      if (res.body.error) expect(body, file).toEqual(res.body);
      else expect(body.id, file).toBe(res.body.id);
    }
  });

  it('every error response example shows the message the emulator sends for its code', () => {
    for (const op of [createOp, readOp]) {
      for (const response of Object.values(op.responses as Record<string, any>)) {
        for (const [name, ex] of Object.entries((response.content?.['application/json']?.examples ?? {}) as Record<string, any>)) {
          if (!ex.value.error) continue;
          const undocumented = Object.values(choices.undocumentedErrors).find((e) => e.code === ex.value.error.code);
          const entry = contract.errors.errors.find((e) => e.code === ex.value.error.code);
          expect(ex.value.error.message, name).toBe(undocumented?.message ?? entry?.message ?? choices.messages[ex.value.error.code]);
        }
      }
    }
  });
});
