// The generators produce what their names say, with variety, for many seeds.
import fc from 'fast-check';
import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { contract } from '../contract/index.ts';
import {
  validInput, inputWithOneViolation, malformedJsonBody, parsesAsJson, missingModelBody, notObjectBody, missingInputBody,
  inputArrayBody, unknownModelId, modelCaseVariant, wrongSchemeAuthorization, noSkPrefixAuthorization, schemeCaseVariant,
  unknownApiKey, unknownRunId, spoofedForwardingHeaders, multiFaultRequest, hostileBody,
  runPathVariants, paddedModelId, paddedModelBody, enumNormalisationBait, enumNormalisationBody, unknownModelBody,
  accountSetup, centsFor, invalidInputBody, nearMissAddresses,
} from './index.ts';

const models = contract.models.models;
const ajv = new Ajv2020({ strict: false });
const validators = new Map(models.map((m) => [m.id, ajv.compile(m.input)]));
const params = { seed: 7, numRuns: 300 };
const FIELD_VALUE = /^[\t\x20-\x7e]*$/;

describe('inputs', () => {
  it('validInput passes its schema; inputWithOneViolation fails it at the named field', () => {
    for (const m of models) {
      fc.assert(fc.property(validInput(m), (input) => validators.get(m.id)!(input) === true), { seed: 1, numRuns: 100 });
      fc.assert(fc.property(inputWithOneViolation(m, models), ({ input, violation }) => {
        const validate = validators.get(m.id)!;
        expect(validate(input)).toBe(false);
        expect(Object.keys(m.input.properties ?? {})).toContain(violation.field);
      }), { seed: 2, numRuns: 100 });
    }
  });

  it('covers every kind of violation', () => {
    const kinds = new Set(fc.sample(fc.constantFrom(...models).chain((m) => inputWithOneViolation(m, models)), { seed: 3, numRuns: 500 }).map((v) => v.violation.kind));
    expect([...kinds].sort()).toEqual(['enum-outside', 'items-not-strings', 'missing-required', 'not-array', 'wrong-type']);
  });
});

describe('bodies', () => {
  it('malformedJsonBody never parses under strict UTF-8 and JSON.parse, and includes invalid UTF-8 inside valid JSON', () => {
    fc.assert(fc.property(malformedJsonBody(models), (b) => !parsesAsJson(b) && b.length > 0), params);
    const lossy = fc.sample(malformedJsonBody(models), { seed: 4, numRuns: 400 }).filter((b) => b instanceof Uint8Array && (() => { try { JSON.parse(Buffer.from(b).toString('utf8')); return true; } catch { return false; } })());
    expect(lossy.length).toBeGreaterThan(0);
  });

  it('each body family is what it says', () => {
    const ids = new Set(models.map((m) => m.id));
    fc.assert(fc.property(missingModelBody(models), (b) => { const v = JSON.parse(b); return typeof v.model !== 'string' && typeof v.input === 'object'; }), params);
    fc.assert(fc.property(notObjectBody(), (b) => { const v = JSON.parse(b); return v === null || typeof v !== 'object' || Array.isArray(v); }), params);
    fc.assert(fc.property(missingInputBody(models), (b) => { const v = JSON.parse(b); return ids.has(v.model) && (v.input === undefined || v.input === null || typeof v.input !== 'object'); }), params);
    fc.assert(fc.property(inputArrayBody(models), (b) => Array.isArray(JSON.parse(b).input)), params);
  });

  it('unknown model ids are unknown even ignoring case; case variants differ only in case', () => {
    const lower = new Set(models.map((m) => m.id.toLowerCase()));
    fc.assert(fc.property(unknownModelId(models), (id) => id.trim() !== '' && !lower.has(id.toLowerCase())), params);
    fc.assert(fc.property(modelCaseVariant(models), (id) => lower.has(id.toLowerCase()) && !models.some((m) => m.id === id)), params);
  });

  it('hostile bodies stay under the emulator body limit and cover each kind', () => {
    const sample = fc.sample(hostileBody(models), { seed: 5, numRuns: 200 });
    for (const { body } of sample) expect(Buffer.byteLength(body)).toBeLessThan(1024 * 1024);
    expect(new Set(sample.map((s) => s.name.split(' ')[0])).size).toBeGreaterThanOrEqual(5);
  });
});

describe('auth, runs, forwarding, faults', () => {
  const key = 'sk-conformanceTestKey0001';

  it('header values are legal HTTP field values', () => {
    const headers = fc.oneof(wrongSchemeAuthorization(key), noSkPrefixAuthorization(), schemeCaseVariant(key).map((v) => v.header));
    fc.assert(fc.property(headers, (h) => FIELD_VALUE.test(h) && (() => { new Headers({ authorization: h }); return true; })()), params);
  });

  it('no-sk tokens never start with sk- exactly, and include the prefix in other cases; unknown keys are not known', () => {
    fc.assert(fc.property(noSkPrefixAuthorization(), (h) => !h.split(' ')[1]!.startsWith('sk-')), params);
    const caseVariants = fc.sample(noSkPrefixAuthorization(), { seed: 3, numRuns: 300 }).map((h) => h.split(' ')[1]!.slice(0, 3)).filter((p) => p.toLowerCase() === 'sk-');
    expect(new Set(caseVariants)).toEqual(new Set(['SK-', 'Sk-', 'sK-']));
    fc.assert(fc.property(unknownApiKey([key]), (k) => k !== key && k.startsWith('sk-')), params);
  });

  it('run ids are never a different route', () => {
    fc.assert(fc.property(unknownRunId(), (id) => id !== '' && id !== '.' && id !== '..' && !id.includes('/')), params);
    const lengths = fc.sample(unknownRunId(), { seed: 6, numRuns: 300 }).map((id) => id.length);
    expect(Math.max(...lengths)).toBeGreaterThan(200);
  });

  it('spoofed forwarding headers all name the allowed address', () => {
    fc.assert(fc.property(spoofedForwardingHeaders('203.0.113.7'), (h) => Object.keys(h).length > 0 && Object.values(h).every((v) => v.includes('203.0.113.7'))), params);
  });

  it('multi-fault requests carry one auth fault and one body fault', () => {
    const auth = new Set(['noAuth', 'malformedAuth', 'unknownKey']);
    fc.assert(fc.property(multiFaultRequest(models, [key]), (p) => p.faults.length === 2 && auth.has(p.faults[0]!) && !auth.has(p.faults[1]!)), params);
  });
});

describe('real-world bug classes', () => {
  const catalogue = contract.clientIpHeaders;

  it('near-miss addresses are valid addresses, never the one they miss (nor its IPv4-mapped form)', () => {
    for (const ip of ['127.0.0.1', '203.0.113.255', '::1']) {
      const misses = nearMissAddresses(ip);
      expect(misses.length).toBeGreaterThan(2);
      for (const miss of misses) {
        expect(isIP(miss), miss).not.toBe(0);
        expect([ip, `::ffff:${ip}`]).not.toContain(miss);
      }
    }
    expect(nearMissAddresses('127.0.0.1')).toContain('1::ffff:127.0.0.1');
  });

  it('the client-IP catalogue names each header once, with a known format and a source, and keeps the four original ones', () => {
    const names = catalogue.map((h) => h.name.toLowerCase());
    expect(new Set(names).size).toBe(names.length);
    expect(names.length).toBeGreaterThanOrEqual(20);
    for (const h of catalogue) {
      expect(['ip', 'list', 'forwarded', 'ip-port']).toContain(h.format);
      expect(h.source.length).toBeGreaterThan(10);
      expect(h.setBy.length).toBeGreaterThan(0);
    }
    expect(catalogue.filter((h) => h.original).map((h) => h.name.toLowerCase()).sort()).toEqual(['forwarded', 'true-client-ip', 'x-forwarded-for', 'x-real-ip']);
  });

  it('spoofed header sets name only catalogue headers, each value naming the allowed address, and reach every header within 10 cases', () => {
    for (const ip of ['203.0.113.7', '2001:db8::7']) {
      const names = new Set(catalogue.map((h) => h.name.toLowerCase()));
      fc.assert(fc.property(spoofedForwardingHeaders(ip), (h) => Object.keys(h).length > 0 && Object.entries(h).every(([n, v]) => names.has(n) && v.includes(ip) && FIELD_VALUE.test(v))), params);
      // IP-SPOOF sends 10 cases: each header must be among them for the seeds a run uses.
      for (const seed of [1, 2, 3, 42]) {
        const seen = new Set(fc.sample(spoofedForwardingHeaders(ip), { seed, numRuns: 10 }).flatMap((h) => Object.keys(h)));
        expect([...names].filter((n) => !seen.has(n))).toEqual([]);
      }
    }
  });

  it('run path variants are distinct, legal request paths that keep the id, and never the canonical path', () => {
    const id = 'run_Ab3xYz';
    const variants = runPathVariants(id);
    expect(new Set(variants.map((v) => v.path)).size).toBe(variants.length);
    expect(variants.length).toBeGreaterThanOrEqual(15);
    for (const { path } of variants) {
      expect(path).not.toBe(`/runs/${id}`);
      expect(path).toMatch(/^\/[\x21-\x7e]*$/);
      expect(path.toLowerCase().includes(id.toLowerCase()) || decodeURIComponent(path).toLowerCase().includes(id.toLowerCase())).toBe(true);
    }
    const kinds = variants.map((v) => v.variant).join(' ');
    for (const kind of ['trailing slash', 'doubled slash', 'encoded slash', 'dot segment', 'dot-dot', 'upper case', 'swapped case']) expect(kinds).toContain(kind);
  });

  it('padded model ids keep their letters and differ from a known id only by whitespace', () => {
    const ids = new Set(models.map((m) => m.id));
    fc.assert(fc.property(paddedModelId(models), (id) => !ids.has(id) && ids.has(id.replace(/\s/g, ''))), params);
    fc.assert(fc.property(paddedModelBody(models), (b) => { const { model, input } = JSON.parse(b); const m = models.find((x) => x.id === model.replace(/\s/g, '')); return !ids.has(model) && !!m && validators.get(m.id)!(input) === true; }), params);
  });

  it('enum bait differs from a documented value only by whitespace or case, and fails the schema', () => {
    for (const m of models) {
      const bait = enumNormalisationBait(m);
      if (!bait) continue;
      fc.assert(fc.property(bait, ({ input, field, value }) => {
        const values = m.input.properties![field]!.enum!;
        return !values.includes(value) && values.some((v) => v.toLowerCase() === value.trim().toLowerCase()) && validators.get(m.id)!(input) === false;
      }), { seed: 8, numRuns: 100 });
    }
    const values = fc.sample(enumNormalisationBody(models), { seed: 9, numRuns: 300 }).map(({ body, violation }) => JSON.parse(body).input[violation.field] as string);
    expect(values.some((v) => v.trim() !== v)).toBe(true);
    expect(values.some((v) => v.trim() === v)).toBe(true);
  });

  it('unknownModelBody and invalidInputBody now carry the normalisation bait', () => {
    const ids = new Set(models.map((m) => m.id));
    const padded = fc.sample(unknownModelBody(models), { seed: 10, numRuns: 100 }).map((b) => JSON.parse(b).model as string).filter((id) => ids.has(id.trim()));
    expect(padded.length).toBeGreaterThan(15);
    const enumBait = fc.sample(invalidInputBody(models), { seed: 11, numRuns: 100 }).filter(({ body, violation }) => {
      const v = JSON.parse(body).input[violation.field];
      return typeof v === 'string' && models.some((m) => (m.input.properties?.[violation.field]?.enum ?? []).some((e) => e.toLowerCase() === v.trim().toLowerCase()));
    });
    expect(enumBait.length).toBeGreaterThan(15);
  });

  it('account set-ups put caps and balances around a run cost, in whole cents', () => {
    fc.assert(fc.property(accountSetup(40_000), (s) => s.keys.length >= 1 && s.keys.every((k) => k.spendLimitCents === null || Number.isInteger(k.spendLimitCents)) && Number.isInteger(s.balanceMicroUsd)), params);
    expect(centsFor(1, 40_000)).toBe(4);
    expect(centsFor(2.5, 40_000)).toBe(10);
  });
});
