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
