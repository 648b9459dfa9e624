// The tokens of one logged-in caller, and their rotation.
//
// Each refresh token works once: presenting a used one revokes the whole session. So a refresh
// is never retried after a lost answer, and concurrent requests that find the token expiring
// (or refused) share one refresh rather than each spending the refresh token.
import { ProblemError } from "./errors.js";
import type { components } from "./schema.js";
import type { Transport } from "./transport.js";

type LoginResponse = components["schemas"]["LoginResponse"];

/** What a client needs to act for a caller; store it to resume a session later. */
export interface Tokens {
  accessToken: string;
  /** When the access token expires (epoch milliseconds); unknown for a token handed in bare. */
  expiresAt?: number;
  /** Single use: every refresh answers the next one. */
  refreshToken?: string;
  refreshExpiresAt?: number;
}

/** Refresh this long before the access token expires: 30 s, or a quarter of a short life. */
const EARLY_MS = 30_000;

export class Session {
  private tokens: Tokens | undefined;
  private refreshing: Promise<Tokens> | undefined;
  private early = EARLY_MS;

  constructor(
    private readonly transport: Transport,
    tokens: Tokens | undefined,
    private readonly onTokens: ((tokens: Tokens | undefined) => void) | undefined,
  ) {
    this.tokens = tokens;
  }

  get current(): Tokens | undefined {
    return this.tokens;
  }

  /** Adopt the tokens of a login (or forget them with undefined). */
  set(tokens: Tokens | undefined): void {
    this.tokens = tokens;
    this.onTokens?.(tokens);
  }

  /** Adopt a login's or a refresh's answer. */
  adopt(answer: LoginResponse, now: number = Date.now()): Tokens {
    const tokens: Tokens = { accessToken: answer.token, expiresAt: now + answer.expiresIn * 1000 };
    this.early = Math.min(EARLY_MS, (answer.expiresIn * 1000) / 4);
    if (answer.refreshToken) tokens.refreshToken = answer.refreshToken;
    if (typeof answer.refreshExpiresIn === "number") {
      tokens.refreshExpiresAt = now + answer.refreshExpiresIn * 1000;
    }
    this.set(tokens);
    return tokens;
  }

  /** The access token to send, refreshed first when it is about to expire. */
  async bearer(): Promise<string | undefined> {
    const tokens = this.tokens;
    const expiring = tokens?.expiresAt !== undefined && tokens.expiresAt - Date.now() < this.early;
    if (tokens?.refreshToken && expiring) return (await this.refresh()).accessToken;
    return tokens?.accessToken;
  }

  /** After a 401 for `refused`: whether a retry may succeed (another token is now at hand). */
  async renew(refused: string): Promise<boolean> {
    if (this.tokens === undefined) return false;
    if (this.tokens.accessToken !== refused) return true; // another call refreshed meanwhile
    if (!this.tokens.refreshToken) return false;
    try {
      await this.refresh();
      return true;
    } catch {
      return false;
    }
  }

  /** Spend the refresh token for a new pair; callers at the same time share one refresh. */
  refresh(accessTtl?: number): Promise<Tokens> {
    this.refreshing ??= this.rotate(accessTtl).finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async rotate(accessTtl: number | undefined): Promise<Tokens> {
    const refreshToken = this.tokens?.refreshToken;
    if (!refreshToken) throw new Error("no refresh token: log in with refresh first");
    try {
      const answer = await this.transport.send<LoginResponse>({
        method: "POST",
        path: "/token/refresh",
        body: accessTtl === undefined ? { refreshToken } : { refreshToken, accessTtl },
        replayable: false, // a second use of the refresh token would revoke the session
      });
      return this.adopt(answer);
    } catch (error) {
      // Used, expired or revoked: the session is over and only a login starts another.
      if (error instanceof ProblemError && error.status === 401) this.set(undefined);
      throw error;
    }
  }
}
