// One HTTP exchange with the service, retried where that is safe:
// - 429 (the service refused without acting) always, after its Retry-After;
// - 503 and no answer at all (a dropped connection, a timeout) only when the request is
//   replayable: a read, or a write that carries an Idempotency-Key, which every attempt reuses,
//   so the service applies it once and answers the retries with the first answer;
// - a 401 once, after the session refreshed its access token (when the caller can).
import { NetworkError, ProblemError, problemOf } from "./errors.js";
import {
  backoffMs,
  DEFAULT_RETRY,
  type RetryEvent,
  type RetryPolicy,
  type RetryReason,
  retryAfterMs,
  sleep,
} from "./retry.js";

/** How a client reaches the service. */
export interface TransportOptions {
  /** The service's base URL, e.g. `https://ledger.example` or `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** A fetch of your own (another runtime, a test); the global one by default. */
  fetch?: typeof fetch;
  retry?: Partial<RetryPolicy>;
  /** The longest one attempt may take before it counts as no answer (default 30 s). */
  timeoutMs?: number;
  /** Told before each retry's wait (for logs and metrics). */
  onRetry?: (event: RetryEvent) => void;
  /** Headers added to every request. */
  headers?: Record<string, string>;
}

export type Query = Record<string, string | number | boolean | null | undefined>;

/** One call, as the clients describe it. */
export interface Exchange {
  method: "GET" | "POST" | "DELETE";
  /** The path with its parameters filled in. */
  path: string;
  query?: Query;
  body?: unknown;
  idempotencyKey?: string;
  /** Whether sending it twice does no harm (a read, or a write with a key). */
  replayable: boolean;
  /** The bearer token to send, if any (asked again before every attempt). */
  bearer?: () => Promise<string | undefined>;
  /** Called once on a 401 with the token that was refused; true when a retry may succeed. */
  renew?: (refused: string) => Promise<boolean>;
  signal?: AbortSignal;
}

interface Answer {
  status: number;
  statusText: string;
  headers: Headers;
  body: unknown;
}

export class Transport {
  readonly baseUrl: string;
  readonly policy: RetryPolicy;
  private readonly fetcher: typeof fetch;
  private readonly timeoutMs: number;
  private readonly onRetry: ((event: RetryEvent) => void) | undefined;
  private readonly headers: Record<string, string>;

  constructor(options: TransportOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.policy = { ...DEFAULT_RETRY, ...options.retry };
    this.fetcher = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.onRetry = options.onRetry;
    this.headers = options.headers ?? {};
  }

  /** Send `call` until it is answered or may not be retried; its JSON answer. */
  async send<T>(call: Exchange): Promise<T> {
    let renewed = false;
    for (let attempt = 1; ; attempt++) {
      const token = await call.bearer?.();
      let answer: Answer;
      try {
        answer = await this.once(call, token);
      } catch (error) {
        if (call.signal?.aborted) throw error;
        const failure = new NetworkError(
          `no answer to ${call.method} ${call.path}: ${describe(error)}`,
          attempt,
          call.idempotencyKey,
          error,
        );
        if (!call.replayable || attempt >= this.policy.attempts) throw failure;
        await this.pause(call, attempt, "network", backoffMs(this.policy, attempt), { error });
        continue;
      }
      if (answer.status < 400) return answer.body as T;
      const problem = new ProblemError(problemOf(answer.status, answer.statusText, answer.body), {
        idempotencyKey: call.idempotencyKey,
        retryAfter: seconds(retryAfterMs(answer.headers.get("retry-after"))),
        requestId: answer.headers.get("x-request-id") ?? undefined,
      });
      if (answer.status === 401 && token && call.renew && !renewed) {
        renewed = true;
        if (await call.renew(token)) {
          attempt--; // a refreshed token is not a failed attempt
          continue;
        }
      }
      const reason = retryReason(answer.status, call.replayable);
      if (reason === undefined || attempt >= this.policy.attempts) throw problem;
      const asked = retryAfterMs(answer.headers.get("retry-after"));
      if (asked !== undefined && asked > this.policy.maxDelayMs) throw problem;
      const delay = asked ?? backoffMs(this.policy, attempt);
      await this.pause(call, attempt, reason, delay, { status: answer.status, error: problem });
    }
  }

  private async once(call: Exchange, token: string | undefined): Promise<Answer> {
    const headers: Record<string, string> = {
      Accept: "application/json, application/problem+json",
      ...this.headers,
    };
    if (call.body !== undefined) headers["Content-Type"] = "application/json";
    if (call.idempotencyKey !== undefined) headers["Idempotency-Key"] = call.idempotencyKey;
    if (token !== undefined) headers.Authorization = `Bearer ${token}`;
    const deadline = withTimeout(call.signal, this.timeoutMs);
    try {
      const response = await this.fetcher(this.url(call.path, call.query), {
        method: call.method,
        headers,
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        signal: deadline.signal,
      });
      // The body is read here: a connection dropped in the middle of it is no answer either.
      const text = await response.text();
      const { status, statusText } = response;
      return { status, statusText, headers: response.headers, body: parse(text) };
    } finally {
      deadline.clear();
    }
  }

  private url(path: string, query: Query | undefined): string {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null) params.append(name, String(value));
    }
    const search = params.toString();
    return `${this.baseUrl}${path}${search ? `?${search}` : ""}`;
  }

  private async pause(
    call: Exchange,
    attempt: number,
    reason: RetryReason,
    delayMs: number,
    extra: { status?: number; error?: unknown },
  ): Promise<void> {
    const { method, path, idempotencyKey } = call;
    this.onRetry?.({ method, path, attempt, reason, delayMs, idempotencyKey, ...extra });
    await sleep(delayMs, call.signal);
  }
}

function retryReason(status: number, replayable: boolean): RetryReason | undefined {
  if (status === 429) return "rate-limited";
  if (status === 503 && replayable) return "unavailable";
  return undefined;
}

function parse(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function seconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : Math.ceil(ms / 1000);
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.message}${cause}`;
}

/** A signal that aborts when `outer` does or after `ms`, and a way to stop its timer. */
function withTimeout(outer: AbortSignal | undefined, ms: number) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`timed out after ${ms} ms`)), ms);
  const abort = (): void => controller.abort(outer?.reason);
  if (outer?.aborted) abort();
  outer?.addEventListener("abort", abort, { once: true });
  const clear = (): void => {
    clearTimeout(timer);
    outer?.removeEventListener("abort", abort);
  };
  return { signal: controller.signal, clear };
}
