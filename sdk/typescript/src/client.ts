// What players and game servers share: the session (login, refresh, logout) and typed calls.
import type {
  AnswerOf,
  BodyOf,
  KeyedPath,
  PathOf,
  PathParamsOf,
  QueryOf,
} from "./operations.js";
import { ProblemError } from "./errors.js";
import { fillPath } from "./operations.js";
import type { components } from "./schema.js";
import { Session, type Tokens } from "./session.js";
import { type Query, Transport, type TransportOptions } from "./transport.js";

type Schemas = components["schemas"];

export interface ClientOptions extends TransportOptions {
  /** A saved session to resume (what `onTokens` was last given). */
  tokens?: Tokens;
  /** A bare access token, e.g. a game server's service token from its configuration. */
  token?: string;
  /** Told whenever the tokens change (login, each refresh, logout, a revoked session). */
  onTokens?: (tokens: Tokens | undefined) => void;
  /** Makes an Idempotency-Key for a write that was given none (default: a random UUID). */
  newKey?: () => string;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface WriteOptions extends CallOptions {
  /** The write's key. Give your own to retry it later (after a restart) without a second effect;
   * otherwise one is made, and kept for every retry of this call. */
  idempotencyKey?: string;
}

export interface LoginOptions extends CallOptions {
  /** Seconds the access token should last (the service caps it). */
  accessTtl?: number;
  /** Also get a refresh token, so the client renews the access token itself (default true). */
  refresh?: boolean;
}

/** A random UUID (v4): the platform's where it has one (browsers, node 19 and later). */
function randomKey(): string {
  const crypto = globalThis.crypto as Crypto | undefined;
  if (crypto?.randomUUID) return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  if (crypto?.getRandomValues) crypto.getRandomValues(bytes);
  else for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export class Client {
  protected readonly transport: Transport;
  protected readonly session: Session;
  private readonly newKey: () => string;

  constructor(options: ClientOptions) {
    this.transport = new Transport(options);
    const tokens = options.tokens ?? (options.token ? { accessToken: options.token } : undefined);
    this.session = new Session(this.transport, tokens, options.onTokens);
    this.newKey = options.newKey ?? randomKey;
  }

  /** The current tokens (undefined before login or after logout). */
  get tokens(): Tokens | undefined {
    return this.session.current;
  }

  /** Log in; later calls carry the token, and the client refreshes it before it expires. */
  async login(username: string, password: string, options: LoginOptions = {}): Promise<Tokens> {
    const body: Schemas["LoginRequest"] = { username, password, refresh: options.refresh ?? true };
    if (options.accessTtl !== undefined) body.accessTtl = options.accessTtl;
    const answer = await this.transport.send<AnswerOf<"/login", "post">>({
      method: "POST",
      path: "/login",
      body,
      replayable: false,
      signal: options.signal,
    });
    return this.session.adopt(answer);
  }

  /** Rotate the tokens now: the refresh token is spent and a new pair is kept. */
  refresh(accessTtl?: number): Promise<Tokens> {
    return this.session.refresh(accessTtl);
  }

  /** End this session on the service (its refresh token too) and forget the tokens. */
  async logout(options: CallOptions = {}): Promise<void> {
    const bearer = this.session.current?.accessToken;
    this.session.set(undefined);
    if (bearer === undefined) return;
    try {
      await this.transport.send<void>({
        method: "POST",
        path: "/logout",
        replayable: true, // revoking twice is revoking once
        bearer: async () => bearer,
        signal: options.signal,
      });
    } catch (error) {
      // A token the service no longer accepts is as logged out as can be.
      if (!(error instanceof ProblemError && error.status === 401)) throw error;
    }
  }

  /** Liveness of the service and its database. */
  health(options: CallOptions = {}): Promise<AnswerOf<"/health", "get">> {
    return this.read("/health", {}, options);
  }

  /** The catalog: currencies, items and their prices. */
  items(options: CallOptions = {}): Promise<AnswerOf<"/items", "get">> {
    return this.read("/items", {}, options);
  }

  /** GET `path`, retried after no answer, 429 and 503. */
  protected read<P extends PathOf<"get">>(
    path: P,
    parts: { path?: PathParamsOf<P, "get">; query?: QueryOf<P, "get"> | Query },
    options: CallOptions,
  ): Promise<AnswerOf<P, "get">> {
    return this.transport.send({
      method: "GET",
      path: fillPath(path, parts.path as Record<string, string> | undefined),
      query: parts.query as Query | undefined,
      replayable: true,
      ...this.auth(),
      signal: options.signal,
    });
  }

  /** POST a write with an Idempotency-Key that every retry repeats. */
  protected write<P extends KeyedPath>(
    path: P,
    body: BodyOf<P, "post">,
    options: WriteOptions & { path?: PathParamsOf<P, "post">; anonymous?: boolean },
  ): Promise<AnswerOf<P, "post">> {
    return this.transport.send({
      method: "POST",
      path: fillPath(path, options.path as Record<string, string> | undefined),
      body,
      idempotencyKey: options.idempotencyKey ?? this.newKey(),
      replayable: true,
      ...(options.anonymous ? {} : this.auth()),
      signal: options.signal,
    });
  }

  /** A key for a write that was given none. */
  protected key(given: string | undefined | null): string {
    return given ?? this.newKey();
  }

  private auth() {
    return {
      bearer: () => this.session.bearer(),
      renew: (refused: string) => this.session.renew(refused),
    };
  }
}
