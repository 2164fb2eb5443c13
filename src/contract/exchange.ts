// The data that crosses the HTTP boundary. Oracles judge these; the client produces them.

export interface HttpRequest {
  method: string;
  /** Absolute URL. */
  url: string;
  /** Header names in lower case. A header absent here is not sent. */
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

export interface HttpResponse {
  status: number;
  /** Header names in lower case; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The body as text (UTF-8, lossy), at most the client's size cap. */
  bodyText: string;
  /** True when the body was longer than the cap and was cut. */
  truncated: boolean;
  /** The body parsed as JSON, when it parsed. */
  json?: unknown;
}

export interface Exchange {
  request: HttpRequest;
  response: HttpResponse;
  /** Epoch ms when the request was sent (on the client's clock). */
  startedAt: number;
  durationMs: number;
}

/** The target could not be talked to: down, reset, hung, or not an HTTP API. Maps to exit code 2. */
export class TargetError extends Error {
  override readonly name = 'TargetError';
  constructor(message: string, readonly request?: HttpRequest, options?: { cause?: unknown }) {
    super(message, options);
  }
}
