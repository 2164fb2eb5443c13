// Judging rate-limit answers with the times the client saw, so a verdict holds at any latency.
// The server counted each request at some unknown instant between its send and its receive time on
// our clock; a fact about the window is used only when it holds for every such instant ("provably").
// Order is by sequence numbers, so ties on a frozen virtual clock stay exact.

/** One request of a key, as the client saw it. */
export interface TimedSend {
  /** Client clock when the request left, and when its answer came back. */
  sentAt: number;
  receivedAt: number;
  /** Positions in one run-wide sequence of send and receive events. */
  sentSeq: number;
  receivedSeq: number;
  /** The answer was not a rate-limit refusal. */
  admitted: boolean;
}

export interface WindowLimit {
  requests: number;
  windowMs: number;
  /** Allowance for clock drift between the client and the server, on the "possibly" side. */
  marginMs?: number;
}

/** Upper bound: requests of `history` (other than `target`) the server may have counted in the window
 * that ends when it counted `target`. Everything counts here, admitted or not (the docs leave open
 * whether refusals use budget). */
export function possiblyInWindow(target: TimedSend, history: readonly TimedSend[], limit: WindowLimit): number {
  const margin = limit.marginMs ?? 0;
  return history.filter((s) => s !== target && s.sentSeq < target.receivedSeq && s.receivedAt + margin > target.sentAt - limit.windowMs).length;
}

/** Lower bound: admitted requests that were surely counted before `target` and inside its window. */
export function provablyAdmittedInWindow(target: TimedSend, history: readonly TimedSend[], limit: WindowLimit): number {
  return history.filter((s) => s !== target && s.admitted && s.receivedSeq < target.sentSeq && s.sentAt > target.receivedAt - limit.windowMs).length;
}

/** Fewer than the limit can have been counted before it: the documented limit requires admitting it
 * (under a sliding or a fixed window alike, since a fixed window holds fewer). */
export function admissionExpected(target: TimedSend, history: readonly TimedSend[], limit: WindowLimit): boolean {
  return possiblyInWindow(target, history, limit) < limit.requests;
}

/** At least the limit was surely admitted in the window before it: the limit requires refusing it. */
export function refusalExpected(target: TimedSend, history: readonly TimedSend[], limit: WindowLimit): boolean {
  return provablyAdmittedInWindow(target, history, limit) >= limit.requests;
}

/** From the first send to the last answer: every request of `sends` was counted inside this span. */
export function spanMs(sends: readonly TimedSend[]): number {
  if (sends.length === 0) return 0;
  return Math.max(...sends.map((s) => s.receivedAt)) - Math.min(...sends.map((s) => s.sentAt));
}

/** Every request of `sends` was provably counted within one span shorter than the window. */
export const insideOneWindow = (sends: readonly TimedSend[], limit: WindowLimit): boolean => spanMs(sends) < limit.windowMs;

/**
 * Repeated over-admission: conclusive evidence that the limit is above the documented one. After an
 * idle window, `requests + 1` requests sent at once are all admitted only if a window boundary fell
 * inside the burst (a fixed window; a sliding window or one opened by the key's first request never
 * splits it). A burst no longer than `maxSpanFraction` of the window meets a boundary at an
 * independent phase with a chance of at most that fraction; all of `bursts` bursts with at most
 * (1/20)^3 = 0.0125 %. Boundaries shared by every key (wall-clock multiples of the window) could
 * cut all of them only at one common phase, which bursts started a third of a window apart do not
 * have: then the chance is none.
 */
export const REPEATED_BURSTS = { bursts: 3, maxSpanFraction: 1 / 20 };

/** Start and span of a burst, as phases of the window (for one wall-clock boundary cutting them all). */
const arc = (sends: readonly TimedSend[], windowMs: number) => {
  const start = Math.min(...sends.map((s) => s.sentAt));
  return { phase: ((start % windowMs) + windowMs) % windowMs, span: spanMs(sends) };
};

/** Is there one phase of the window inside every burst (a periodic boundary that could have cut each)? */
export function commonBoundaryPossible(bursts: readonly (readonly TimedSend[])[], limit: WindowLimit): boolean {
  const arcs = bursts.map((b) => arc(b, limit.windowMs));
  const inside = (p: number, a: { phase: number; span: number }) => ((p - a.phase + limit.windowMs) % limit.windowMs) <= a.span + (limit.marginMs ?? 0);
  return arcs.some((candidate) => arcs.every((a) => inside(candidate.phase, a)));
}

export type RepeatedVerdict =
  | { kind: 'inconclusive'; reason: string }
  | { kind: 'within-limit' }
  | { kind: 'over-limit'; reason: string };

/** The verdict on bursts of `requests + 1` each, every one sent at once on a key idle a whole window. */
export function judgeRepeatedBursts(bursts: readonly (readonly TimedSend[])[], limit: WindowLimit): RepeatedVerdict {
  const maxSpan = limit.windowMs * REPEATED_BURSTS.maxSpanFraction;
  const slow = bursts.find((b) => spanMs(b) > maxSpan);
  if (slow) return { kind: 'inconclusive', reason: `a burst took ${Math.round(spanMs(slow))} ms, over ${maxSpan} ms: a fixed window's boundary falls inside such a burst too often to judge` };
  if (bursts.some((b) => b.length <= limit.requests || b.some((s) => !s.admitted))) return { kind: 'within-limit' };
  if (commonBoundaryPossible(bursts, limit)) return { kind: 'inconclusive', reason: 'every burst was admitted whole, but one wall-clock window boundary could have cut each of them (their start phases coincide)' };
  const pct = (100 * REPEATED_BURSTS.maxSpanFraction ** bursts.length).toPrecision(2);
  return {
    kind: 'over-limit',
    reason: `each of ${bursts.length} bursts of ${limit.requests + 1} requests, sent at once on a key idle a whole window and answered within ${maxSpan} ms, was admitted whole: a faithful window admits ${limit.requests} (a sliding one, or a fixed one opened by the first request, never splits such a burst; a fixed one at other boundaries did so for all ${bursts.length} with a chance under ${pct} %, and no one wall-clock boundary falls inside all of them)`,
  };
}
