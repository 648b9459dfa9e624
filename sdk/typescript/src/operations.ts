// The generated `paths` read at the type level: what a route takes and answers. The hand-written
// clients name a path and a method; the body, query, path parameters and answer types follow.
import type { paths } from "./schema.js";

export type Method = "get" | "post" | "delete";
type Op<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;

/** The paths that answer `M`. */
export type PathOf<M extends Method> = {
  [P in keyof paths]: [NonNullable<paths[P][M]>] extends [never] ? never : P;
}[keyof paths];

/** The paths whose `M` takes an Idempotency-Key header: the writes that can be retried safely. */
export type KeyedPath<M extends Method = "post"> = {
  [P in PathOf<M>]: Op<P, M> extends { parameters: { header?: { "Idempotency-Key"?: unknown } } }
    ? P
    : never;
}[PathOf<M>];

/** The JSON body of `M P` (undefined when it takes none). */
export type BodyOf<P extends keyof paths, M extends Method> =
  Op<P, M> extends { requestBody: { content: { "application/json": infer B } } }
    ? B
    : Op<P, M> extends { requestBody?: { content: { "application/json": infer B } } }
      ? B | undefined
      : undefined;

/** The query parameters of `M P`. */
export type QueryOf<P extends keyof paths, M extends Method> =
  Op<P, M> extends { parameters: { query?: infer Q } } ? ([Q] extends [never] ? undefined : Q) : undefined;

/** The path parameters of `M P`, e.g. `{ hold_id: string }`. */
export type PathParamsOf<P extends keyof paths, M extends Method> =
  Op<P, M> extends { parameters: { path: infer X } } ? ([X] extends [never] ? undefined : X) : undefined;

type Json<R> = R extends { content: { "application/json": infer A } } ? A : void;

/** The JSON answer of `M P` on success (200, 201 or 202; void for 204). */
export type AnswerOf<P extends keyof paths, M extends Method> =
  Op<P, M> extends { responses: infer R }
    ? R extends { 200: infer S }
      ? Json<S>
      : R extends { 201: infer S }
        ? Json<S>
        : R extends { 202: infer S }
          ? Json<S>
          : void
    : never;

/** `/holds/{hold_id}` with its parameters filled in, each escaped. */
export function fillPath(template: string, params: Record<string, string> | undefined): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined) throw new TypeError(`missing path parameter ${name} of ${template}`);
    return encodeURIComponent(value);
  });
}
