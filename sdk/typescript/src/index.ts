// gameledger's TypeScript SDK: a player's client, a game server's client, and the API's types
// (generated from the service's OpenAPI document into ./schema.ts).
export { Client, type CallOptions, type ClientOptions, type LoginOptions, type WriteOptions } from "./client.js";
export {
  GameLedgerError,
  isProblem,
  type KnownProblems,
  type KnownProblemType,
  NetworkError,
  type ProblemBase,
  type ProblemDocument,
  ProblemError,
  type TypedProblem,
} from "./errors.js";
export { type BatchAnswer, GameServerClient } from "./game-server.js";
export type { AnswerOf, BodyOf, KeyedPath, PathOf, QueryOf } from "./operations.js";
export { PlayerClient } from "./player.js";
export { DEFAULT_RETRY, type RetryEvent, type RetryPolicy, type RetryReason } from "./retry.js";
export type { components, operations, paths } from "./schema.js";
export type { Tokens } from "./session.js";
export type { TransportOptions } from "./transport.js";

import type { components } from "./schema.js";
/** The service's schemas by name: `Schemas["PurchaseResponse"]`. */
export type Schemas = components["schemas"];
