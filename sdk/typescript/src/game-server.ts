// A game server's client, with a service token (`gameledger admin create NAME --role service`):
// holds on players' stakes, match settlements, grants and batches of transfers.
import { Client, type CallOptions, type WriteOptions } from "./client.js";
import type { AnswerOf, BodyOf, QueryOf } from "./operations.js";

type BatchRequest = NonNullable<BodyOf<"/batch/transfers", "post">>;

/** A batch's answer, with the key each transfer was sent with (made for those given none). */
export type BatchAnswer = AnswerOf<"/batch/transfers", "post"> & { idempotencyKeys: string[] };

export class GameServerClient extends Client {
  /** Set a player's stake aside until it is captured, voided, settled or expires. */
  placeHold(
    request: BodyOf<"/holds", "post">,
    options: WriteOptions = {},
  ): Promise<AnswerOf<"/holds", "post">> {
    return this.write("/holds", request, options);
  }

  /** One of this server's holds. */
  hold(holdId: string, options: CallOptions = {}): Promise<AnswerOf<"/holds/{hold_id}", "get">> {
    return this.read("/holds/{hold_id}", { path: { hold_id: holdId } }, options);
  }

  /** This server's holds, newest first (`status`, `cursor`, `limit`). */
  holds(
    query: QueryOf<"/holds", "get"> = {},
    options: CallOptions = {},
  ): Promise<AnswerOf<"/holds", "get">> {
    return this.read("/holds", { query }, options);
  }

  /** Take `amount` (default all) of a hold to the treasury; the rest goes back to the player. */
  captureHold(
    holdId: string,
    request: BodyOf<"/holds/{hold_id}/capture", "post"> = {},
    options: WriteOptions = {},
  ): Promise<AnswerOf<"/holds/{hold_id}/capture", "post">> {
    return this.write("/holds/{hold_id}/capture", request, { ...options, path: { hold_id: holdId } });
  }

  /** Give a hold back to its player. */
  voidHold(
    holdId: string,
    request: BodyOf<"/holds/{hold_id}/void", "post"> = {},
    options: WriteOptions = {},
  ): Promise<AnswerOf<"/holds/{hold_id}/void", "post">> {
    return this.write("/holds/{hold_id}/void", request, { ...options, path: { hold_id: holdId } });
  }

  /** Capture every listed hold and pay the winners; the rest of the pot is the rake. */
  settle(
    request: BodyOf<"/settlements", "post">,
    options: WriteOptions = {},
  ): Promise<AnswerOf<"/settlements", "post">> {
    return this.write("/settlements", request, options);
  }

  /** Mint currency from the treasury to a player (`reason` shows in its history). */
  grant(
    request: BodyOf<"/grants", "post">,
    options: WriteOptions = {},
  ): Promise<AnswerOf<"/grants", "post">> {
    return this.write("/grants", request, options);
  }

  /** Up to 1,000 top-ups and purchases for players, each with its own key and result.
   *
   * A transfer without `idempotencyKey` gets one, so the whole request can be sent again after
   * a lost answer: what was applied comes back `replayed`, never applied twice. */
  async batch(request: BatchRequest, options: CallOptions = {}): Promise<BatchAnswer> {
    const transfers = request.transfers.map((transfer) => ({
      ...transfer,
      idempotencyKey: this.key(transfer.idempotencyKey),
    }));
    const answer = await this.transport.send<AnswerOf<"/batch/transfers", "post">>({
      method: "POST",
      path: "/batch/transfers",
      body: { ...request, transfers },
      replayable: true, // every transfer carries its key
      bearer: () => this.session.bearer(),
      renew: (refused) => this.session.renew(refused),
      signal: options.signal,
    });
    return { ...answer, idempotencyKeys: transfers.map((t) => t.idempotencyKey) };
  }
}
