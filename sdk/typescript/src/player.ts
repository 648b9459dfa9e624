// A player's client: sign up, log in, and act on the player's own wallet.
import { Client, type CallOptions, type WriteOptions } from "./client.js";
import type { AnswerOf, BodyOf, QueryOf } from "./operations.js";
import type { Query } from "./transport.js";

export class PlayerClient extends Client {
  /** Create an account (no token needed; log in afterwards). */
  signup(
    request: BodyOf<"/signup", "post">,
    options: WriteOptions = {},
  ): Promise<AnswerOf<"/signup", "post">> {
    return this.write("/signup", request, { ...options, anonymous: true });
  }

  /** The wallet now, with `held` and `inventory`; `at` or `version` reads the past. */
  balance(
    query: QueryOf<"/balance", "get"> = {},
    options: CallOptions = {},
  ): Promise<AnswerOf<"/balance", "get">> {
    return this.read("/balance", { query }, options);
  }

  /** A page of the ledger's entries, newest first; `meta` filters on metadata labels. */
  history(
    query: QueryOf<"/history", "get"> & { meta?: Record<string, string> } = {},
    options: CallOptions = {},
  ): Promise<AnswerOf<"/history", "get">> {
    const { meta, ...plain } = query;
    const labels = Object.fromEntries(Object.entries(meta ?? {}).map(([k, v]) => [`meta.${k}`, v]));
    return this.read("/history", { query: { ...plain, ...labels } as Query }, options);
  }

  /** Add currency (diamonds unless `currency` says), where the service allows it. */
  topUp(
    request: BodyOf<"/top-up", "post"> = {},
    options: WriteOptions = {},
  ): Promise<AnswerOf<"/top-up", "post">> {
    return this.write("/top-up", request, options);
  }

  /** Buy `quantity` (default 1) of a catalog item. */
  purchase(
    request: BodyOf<"/purchase", "post">,
    options: WriteOptions = {},
  ): Promise<AnswerOf<"/purchase", "post">> {
    return this.write("/purchase", request, options);
  }

  /** Use (open, consume) items of the inventory. */
  useItem(
    code: string,
    request: BodyOf<"/items/{code}/use", "post"> = {},
    options: WriteOptions = {},
  ): Promise<AnswerOf<"/items/{code}/use", "post">> {
    return this.write("/items/{code}/use", request, { ...options, path: { code } });
  }

  /** Give currency or items to another player. */
  gift(
    request: BodyOf<"/transfers", "post">,
    options: WriteOptions = {},
  ): Promise<AnswerOf<"/transfers", "post">> {
    return this.write("/transfers", request, options);
  }

  /** Offer a trade; what it gives is escrowed until it is accepted, declined, cancelled or expires. */
  offerTrade(
    request: BodyOf<"/trades", "post">,
    options: WriteOptions = {},
  ): Promise<AnswerOf<"/trades", "post">> {
    return this.write("/trades", request, options);
  }

  /** Accept a trade offered to this player. */
  acceptTrade(tradeId: string, options: WriteOptions = {}) {
    return this.write("/trades/{trade_id}/accept", undefined, { ...options, path: { trade_id: tradeId } });
  }

  /** Decline a trade offered to this player. */
  declineTrade(tradeId: string, options: WriteOptions = {}) {
    return this.write("/trades/{trade_id}/decline", undefined, { ...options, path: { trade_id: tradeId } });
  }

  /** Withdraw this player's own offer. */
  cancelTrade(tradeId: string, options: WriteOptions = {}) {
    return this.write("/trades/{trade_id}/cancel", undefined, { ...options, path: { trade_id: tradeId } });
  }

  /** One trade, from its stream. */
  trade(tradeId: string, options: CallOptions = {}): Promise<AnswerOf<"/trades/{trade_id}", "get">> {
    return this.read("/trades/{trade_id}", { path: { trade_id: tradeId } }, options);
  }

  /** The player's trades in both directions. */
  trades(
    query: QueryOf<"/trades", "get"> = {},
    options: CallOptions = {},
  ): Promise<AnswerOf<"/trades", "get">> {
    return this.read("/trades", { query }, options);
  }
}
