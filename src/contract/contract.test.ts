// The contract's own checks: the documented values pinned on purpose, the files consistent with each
// other, the OpenAPI document fresh and valid, and the rule catalogue in step with conformance-rules.md.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import SwaggerParser from '@apidevtools/swagger-parser';
import { contract, contractsDir, codesForStatus } from './index.ts';
import { renderOpenApi, renderSpecmaticExamples, SPECMATIC_EXAMPLES_DIR } from './openapi.ts';

describe('contracts/ pins what the docs say', () => {
  it('has the 13 documented codes, with their statuses, in exact case', () => {
    const table = Object.fromEntries(contract.errors.errors.map((e) => [e.code, e.status]));
    expect(table).toEqual({
      invalid_json: 400, missing_model: 400, missing_input: 400, invalid_input: 400, model_not_found: 400,
      missing_api_key: 401, invalid_api_key: 401, insufficient_balance: 402,
      api_key_spend_limit_exceeded: 403, ip_not_allowed: 403, run_not_found: 404,
      RATE_LIMITED: 429, USAGE_EXCEEDED: 429,
    });
    for (const e of contract.errors.errors) expect(e.code).toMatch(e.status === 429 ? /^[A-Z_]+$/ : /^[a-z_]+$/);
    expect(contract.errors.errors.find((e) => e.code === 'RATE_LIMITED')?.message).toBe('Rate limit exceeded');
  });

  it('has the documented limits and units', () => {
    expect(contract.limits.rateLimit).toMatchObject({ requests: 20, windowSeconds: 10, sharedBy: ['createRun', 'readRun'], backoffSeconds: [1, 2, 4] });
    expect(contract.limits.keys).toMatchObject({ prefix: 'sk-', ipWhitelistMax: 10, spendLimitUnit: 'cents' });
    expect(contract.limits.money).toMatchObject({ costUnit: 'micro-usd', microUsdPerCent: 10000 });
    expect(contract.limits.endpoints.createRun.successStatus).toBe(201);
    expect(contract.limits.runs.statuses).toEqual(['pending', 'processing', 'succeeded', 'failed']);
  });

  it('has the 8 documented models, their documented prices, and schemas that compile', () => {
    expect(contract.models.models.map((m) => m.id)).toEqual([
      'google/nano-banana-2', 'google/nano-banana', 'google/nano-banana-pro', 'openai/gpt-image-2',
      'openai/gpt-image-1.5', 'openai/gpt-image-1', 'bytedance/seedream-4.5', 'bytedance/seedance-1-pro',
    ]);
    const nb2 = contract.models.models[0]!;
    expect(nb2.price).toMatchObject({ microUsd: 40000, documented: true });
    expect(contract.models.models[3]!.price.byField?.values).toEqual({ '1K': 50000, '2K': 70000, '4K': 120000 });
    const ajv = new Ajv2020({ strict: false });
    for (const m of contract.models.models) {
      const validate = ajv.compile(m.input);
      expect(validate({ prompt: 'x' }), m.id).toBe(true);
      expect(validate({}), m.id).toBe(false);
    }
  });

  it('maps every fault to a catalogue code, and every rule to known fixtures, with unique ids', () => {
    for (const [name, fault] of Object.entries(contract.errors.faults)) {
      if (name === '$comment') continue;
      expect(contract.errors.errors.map((e) => e.code), name).toContain(fault.code);
    }
    const ids = contract.rules.rules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of contract.rules.rules) {
      for (const f of r.fixtures) expect(Object.keys(contract.fixtures), r.id).toContain(f);
      expect(contract.rules.families).toContain(r.family);
    }
    expect(codesForStatus(403).sort()).toEqual(['api_key_spend_limit_exceeded', 'ip_not_allowed']);
  });
});

describe('contracts/openapi.json', () => {
  it('is what `npm run contracts:build` makes from the other contract files', () => {
    const committed = readFileSync(join(contractsDir, 'openapi.json'), 'utf8');
    expect(committed === renderOpenApi(), 'contracts/openapi.json is stale: run `npm run contracts:build`').toBe(true);
  });

  it('has the Specmatic examples `npm run contracts:build` makes, and no others', () => {
    const dir = join(contractsDir, SPECMATIC_EXAMPLES_DIR);
    const expected = renderSpecmaticExamples();
    expect(readdirSync(dir).sort(), 'contracts/openapi_examples is stale: run `npm run contracts:build`').toEqual(Object.keys(expected).sort());
    for (const [name, text] of Object.entries(expected)) expect(readFileSync(join(dir, name), 'utf8') === text, `${name} is stale: run \`npm run contracts:build\``).toBe(true);
  });

  it('is a valid OpenAPI 3.1 document with every documented error on its endpoint', async () => {
    const doc = JSON.parse(readFileSync(join(contractsDir, 'openapi.json'), 'utf8'));
    await SwaggerParser.validate(structuredClone(doc));
    const codesIn = (op: any) => Object.values(op.responses).flatMap((r: any) => Object.keys(r.content?.['application/json']?.examples ?? {}));
    const root = contract.limits.apiRootPath;
    const create = doc.paths[root + contract.limits.endpoints.createRun.path].post;
    const read = doc.paths[root + contract.limits.endpoints.readRun.path].get;
    const all = [...codesIn(create), ...codesIn(read)];
    for (const e of contract.errors.errors) expect(all, e.code).toContain(e.code);
    expect(create.responses[String(contract.limits.endpoints.createRun.successStatus)]).toBeDefined();
    expect(read.responses[String(contract.errors.errors.find((e) => e.code === contract.errors.faults.unknownRun.code)!.status)]).toBeDefined();
  });
});

const rulesDoc = join(contractsDir, '..', '..', 'shared', 'conformance-rules.md');

describe('contracts/rules.json and ../shared/conformance-rules.md', () => {
  it.skipIf(!existsSync(rulesDoc))('list the same rules at the same levels (extra suite rules marked with their source)', () => {
    const rows = readFileSync(rulesDoc, 'utf8').split('\n').map((l) => l.match(/^\| ([A-Z][A-Z0-9-]+) \| (gate|warn|observe)( \([a-z ]+\))? \|/)).filter((m) => m !== null);
    const documented = new Map(rows.map((m) => [m[1]!, { level: m[2]!, security: m[3] !== undefined && m[3].includes('security') }]));
    expect(documented.size).toBeGreaterThan(40);
    for (const [id, { level, security }] of documented) {
      const rule = contract.rules.rules.find((r) => r.id === id);
      expect(rule, id).toBeDefined();
      expect(rule!.level, id).toBe(level);
      if (security) expect(rule!.security, id).toBe(true);
    }
    for (const r of contract.rules.rules.filter((r) => !documented.has(r.id))) expect((r as { source?: string }).source, r.id).toBeDefined();
  });
});
