// Writes the consumer pact (PactV4) for pactCases(): each interaction is exercised against Pact's mock
// server, which records it. Exact status and code; type matchers for messages, ids and costs.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PactV4, MatchersV3 } from '@pact-foundation/pact';
import { request } from 'undici';
import { contract } from '../contract/index.ts';
import { CONSUMER, PROVIDER, PACT_FILE, pactCases, type PactCase } from './interactions.ts';
import { parsesAsJson } from '../generators/bodies.ts';

const { like, integer, regex, fromProviderState } = MatchersV3;

const EXAMPLE_KEY = `${contract.limits.keys.prefix}example-key`;
const AUTH = regex(`^${contract.limits.keys.scheme} ${contract.limits.keys.prefix}\\S+$`, `${contract.limits.keys.scheme} ${EXAMPLE_KEY}`);
const JSON_TYPE = 'application/json';
const TEXT_TYPE = 'text/plain';

function responseBody(c: PactCase): unknown {
  if (c.response.code) {
    const documented = contract.errors.errors.find((e) => e.code === c.response.code)?.message;
    return { error: { message: documented ?? like('A human-readable description.'), code: c.response.code } };
  }
  const { idPrefix, statuses, initialStatus } = contract.limits.runs;
  const id = regex(`^${idPrefix}\\S+`, `${idPrefix}2abcdefghijklmnopqrstuvw`);
  if (c.response.run === 'created') return { id, model: contract.models.defaultModel, status: initialStatus, costUsd: integer(40000) };
  return { id, model: contract.models.defaultModel, status: regex(`^(${statuses.join('|')})$`, initialStatus), costUsd: integer(40000) };
}

/** Exercise one interaction against the mock server: the request as a client would send it. */
async function exercise(c: PactCase, baseUrl: string, path: string): Promise<void> {
  const headers: Record<string, string> = {};
  if (c.fixture) headers.authorization = `${contract.limits.keys.scheme} ${EXAMPLE_KEY}`;
  if (c.request.body !== undefined) headers['content-type'] = parsesAsJson(c.request.body) ? JSON_TYPE : TEXT_TYPE;
  const res = await request(baseUrl + path, { method: c.request.method as 'GET', headers, ...(c.request.body === undefined ? {} : { body: c.request.body }) });
  await res.body.text();
  if (res.statusCode !== c.response.status) throw new Error(`${c.ruleId}: the mock server answered ${res.statusCode}`);
}

interface PactResponse { headers?: Record<string, unknown>; matchingRules?: { header?: Record<string, unknown> } }
interface PactRequest { headers?: Record<string, string[]>; body?: { contentType?: string } }
interface WrittenPact { interactions: { request: PactRequest; response: PactResponse }[] }

/**
 * One fault per request: a body that is not JSON is sent to the provider as application/json, like
 * every other create. As text/plain it would carry a second fault, its Content-Type, which a target
 * may answer first (415, or another code) where the docs leave precedence and that answer open.
 */
function asJsonRequests(pact: WrittenPact): void {
  for (const { request } of pact.interactions) {
    if (!request.headers) continue;
    for (const name of Object.keys(request.headers)) if (name.toLowerCase() === 'content-type') request.headers[name] = [JSON_TYPE];
  }
}

/**
 * The written pact, finished: requests as JSON (asJsonRequests). One level per fact: an answer's
 * Content-Type is ENV-CONTENT-TYPE's (a warn rule), so no interaction
 * asserts it; Pact adds it to every JSON response, and it is taken out here. The body keeps its type.
 */
function finishPactFile(file: string): void {
  const pact = JSON.parse(readFileSync(file, 'utf8')) as WrittenPact;
  asJsonRequests(pact);
  for (const { response } of pact.interactions) {
    for (const where of [response.headers, response.matchingRules?.header]) {
      if (!where) continue;
      for (const name of Object.keys(where)) if (name.toLowerCase() === 'content-type') delete where[name];
    }
    if (response.headers && Object.keys(response.headers).length === 0) delete response.headers;
    if (response.matchingRules?.header && Object.keys(response.matchingRules.header).length === 0) delete response.matchingRules.header;
  }
  writeFileSync(file, JSON.stringify(pact, null, 2));
}

/**
 * Pact's mock server records a match on a task of its own after it has answered
 * (pact-foundation/pact-core-mock-server#13): on a loaded machine it can call a request it answered
 * "expected but not received". Such an interaction, whose exercise got the documented status, is
 * recorded again; a real mismatch fails every time, and each attempt starts a fresh mock server.
 */
const NOT_RECEIVED = /expected but not received/;
const RECORD_ATTEMPTS = 5;

async function recordInteraction(pact: PactV4, c: PactCase): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    let answered = false;
    try {
      await describeInteraction(pact, c).executeTest(async (mock) => {
        await exercise(c, mock.url, c.request.path);
        answered = true;
      });
      return;
    } catch (error) {
      if (!answered || attempt >= RECORD_ATTEMPTS || !NOT_RECEIVED.test(String(error))) throw error;
    }
  }
}

function describeInteraction(pact: PactV4, c: PactCase) {
  const path = c.request.readsProviderRun
    ? fromProviderState(`${contract.limits.apiRootPath}${contract.limits.endpoints.createRun.path}/\${runId}`, c.request.path)
    : c.request.path;
  return pact
    .addInteraction()
    .given(c.state)
    .uponReceiving(`${c.ruleId}: ${c.description}`)
    .withRequest(c.request.method, path, (b) => {
      if (c.fixture) b.headers({ Authorization: AUTH });
      if (c.request.body !== undefined) {
        // Pact parses a body declared as JSON; a body that is not JSON is declared as text here, so its
        // mock server compares bytes, and is given the JSON type in the written pact (asJsonRequests).
        const json = parsesAsJson(c.request.body);
        if (json) b.headers({ 'Content-Type': JSON_TYPE, ...(c.fixture ? { Authorization: AUTH } : {}) });
        if (json) b.jsonBody(JSON.parse(c.request.body));
        else b.body(TEXT_TYPE, Buffer.from(c.request.body));
      }
    })
    .willRespondWith(c.response.status, (b) => b.jsonBody(responseBody(c)));
}

export async function writeConsumerPact(dir: string): Promise<void> {
  const pact = new PactV4({ consumer: CONSUMER, provider: PROVIDER, dir, logLevel: 'warn' });
  for (const c of pactCases()) await recordInteraction(pact, c);
  finishPactFile(join(dir, PACT_FILE));
}
