// What a call can fail with: the service's refusal (a problem document, RFC 9457) or no answer.
import type { components } from "./schema.js";

/** The members every problem of the service has, as the OpenAPI document describes them. */
export type ProblemBase = components["schemas"]["Problem"];

/** A problem document: `type`, `title`, `status`, `detail`, `error` and the problem's own members. */
export type ProblemDocument = ProblemBase & { [member: string]: unknown };

/** The members some problems carry beside the common ones (all optional: they vary by route). */
export interface KnownProblems {
  "insufficient-funds": {
    balance?: number;
    item?: string;
    quantity?: number;
    price?: number | Record<string, number>;
    cost?: number | Record<string, number>;
    missing?: Record<string, number>;
    asset?: string;
    amount?: number;
  };
  "rate-limited": { retryAfter?: number };
  "hold-not-pending": { holdId?: string; holdStatus?: string };
  "trade-not-open": { tradeId?: string; tradeStatus?: string };
  "invalid-text": { field?: string; location?: "body" | "query" | "header" | "path" };
  "duplicate-idempotency-key": { idempotencyKey?: string; indexes?: number[] };
  "idempotency-key-reused": Record<string, unknown>;
  "unknown-item": { item?: string; available?: string[] };
  "unknown-player": { username?: string; playerId?: string };
  "unknown-hold": { holdId?: string };
  "payouts-exceed-pot": { pot?: number; paid?: number };
  "not-a-player": { account?: string; referralCode?: string };
  "username-taken": { username?: string };
  "unknown-referral-code": Record<string, unknown>;
  "top-up-disabled": Record<string, unknown>;
  "database-unavailable": Record<string, unknown>;
  "version-conflict": Record<string, unknown>;
}

/** A problem `type` the SDK knows by name; any other string may still arrive. */
export type KnownProblemType = keyof KnownProblems;

/** The base of every error this SDK throws. */
export class GameLedgerError extends Error {
  /** The Idempotency-Key the failed write carried: retry later with it and nothing doubles. */
  readonly idempotencyKey: string | undefined;

  constructor(message: string, idempotencyKey: string | undefined, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.idempotencyKey = idempotencyKey;
  }
}

/** The service answered with a problem document (any status from 400 on). */
export class ProblemError<T extends string = string> extends GameLedgerError {
  readonly status: number;
  readonly type: T;
  readonly title: string;
  readonly detail: string;
  /** One sentence for a person, fit to show a player as it is. */
  readonly error: string;
  readonly problem: ProblemDocument;
  /** Seconds the service asked to wait (the Retry-After header), when it said. */
  readonly retryAfter: number | undefined;
  /** The X-Request-Id of the answer: quote it when you report a problem. */
  readonly requestId: string | undefined;

  constructor(
    problem: ProblemDocument,
    meta: { idempotencyKey?: string; retryAfter?: number; requestId?: string } = {},
  ) {
    const sentence = problem.error || problem.detail || problem.title;
    super(`${problem.status} ${problem.type}: ${sentence}`, meta.idempotencyKey);
    this.status = problem.status;
    this.type = problem.type as T;
    this.title = problem.title;
    this.detail = problem.detail ?? "";
    this.error = sentence;
    this.problem = problem;
    this.retryAfter = meta.retryAfter;
    this.requestId = meta.requestId;
  }

  /** Whether this is the problem `type`; narrows `problem` to that problem's members. */
  is<K extends KnownProblemType>(type: K): this is ProblemError<K> & TypedProblem<K> {
    return (this.type as string) === type;
  }
}

/** A ProblemError whose `problem` has the members of problem `K`. */
export interface TypedProblem<K extends KnownProblemType> {
  readonly problem: ProblemDocument & KnownProblems[K];
}

/** Whether `error` is a problem from the service, of `type` when given. */
export function isProblem<K extends KnownProblemType>(
  error: unknown,
  type: K,
): error is ProblemError<K> & TypedProblem<K>;
export function isProblem(error: unknown): error is ProblemError;
export function isProblem(error: unknown, type?: string): boolean {
  return error instanceof ProblemError && (type === undefined || error.type === type);
}

/** No answer came: the connection failed, was dropped or timed out, and was not (or no longer)
 * retried. A write with `idempotencyKey` set may have been applied: send it again with that key. */
export class NetworkError extends GameLedgerError {
  readonly attempts: number;

  constructor(message: string, attempts: number, idempotencyKey: string | undefined, cause: unknown) {
    super(message, idempotencyKey, { cause });
    this.attempts = attempts;
  }
}

/** The problem document of an answer that is not one (a proxy's HTML 502, say). */
export function problemOf(status: number, statusText: string, body: unknown): ProblemDocument {
  if (isProblemShaped(body)) return body;
  const title = statusText || `HTTP ${status}`;
  return { type: "http-error", title, status, detail: title, error: title };
}

function isProblemShaped(body: unknown): body is ProblemDocument {
  if (typeof body !== "object" || body === null) return false;
  const doc = body as Record<string, unknown>;
  return typeof doc.type === "string" && typeof doc.status === "number" && typeof doc.title === "string";
}
