// What the suites share: the server under test (from the environment), fresh names, and a TCP
// proxy in front of the server that injects faults on request.
import { randomBytes } from "node:crypto";
import net from "node:net";

import type { AnswerOf, PlayerClient, QueryOf, RetryEvent } from "../src/index.js";

/** The base URL of a running `gameledger serve` (tests/sdk/test_typescript_sdk.py sets it). */
export function baseUrl(): string {
  const url = process.env.GAMELEDGER_URL;
  if (!url) {
    throw new Error(
      "GAMELEDGER_URL is not set: run the suite against a server, e.g. " +
        "`GAMELEDGER_URL=http://127.0.0.1:8080 npm test` beside `make run`",
    );
  }
  return url;
}

/** A game server's account (`gameledger admin create NAME --role service`). */
export function serviceAccount(): { username: string; password: string } {
  const username = process.env.GAMELEDGER_SERVICE_USER;
  const password = process.env.GAMELEDGER_SERVICE_PASSWORD;
  if (!username || !password) {
    throw new Error("GAMELEDGER_SERVICE_USER and GAMELEDGER_SERVICE_PASSWORD name a service account");
  }
  return { username, password };
}

export const PASSWORD = "correct-horse-9";

/** A username no other test uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString("hex")}`;
}

/** An onRetry that records what it is told. */
export function retryLog(): { events: RetryEvent[]; onRetry: (event: RetryEvent) => void } {
  const events: RetryEvent[] = [];
  return { events, onRetry: (event) => events.push(event) };
}

/** What `read` answers once `done` holds of it (read models follow the log within moments). */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  let value = await read();
  for (let tries = 0; tries < 100 && !done(value); tries++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await read();
  }
  return value;
}

/** A history page that covers the player's latest write (read again while it says `stale`). */
export async function freshHistory(
  player: PlayerClient,
  query: QueryOf<"/history", "get"> = {},
): Promise<AnswerOf<"/history", "get">> {
  for (let tries = 0; tries < 100; tries++) {
    const page = await player.history(query);
    if (!page.stale) return page;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("the history stayed stale");
}

const REQUEST_LINE = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) \S+ HTTP\/1\.1\r\n/;

type Fault = { kind: "drop-response" } | { kind: "answer"; raw: string };

/** A loopback TCP proxy to the server. Each queued fault hits the next request that starts:
 * `dropNextResponse` lets the request reach the server, then closes the client's connection as
 * the answer arrives (so the server has acted and the client never hears of it);
 * `answerNext` answers in the server's stead (the server never sees that request). */
export class FaultProxy {
  requests = 0;
  private readonly faults: Fault[] = [];
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    readonly url: string,
  ) {}

  static async start(target: string): Promise<FaultProxy> {
    const { hostname, port } = new URL(target);
    let proxy: FaultProxy | undefined;
    const server = net.createServer((client) => proxy?.relay(client, hostname, Number(port)));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address() as net.AddressInfo;
    proxy = new FaultProxy(server, `http://127.0.0.1:${address.port}`);
    return proxy;
  }

  dropNextResponse(): void {
    this.faults.push({ kind: "drop-response" });
  }

  answerNext(status: number, headers: Record<string, string>, body: string): void {
    const lines = [`HTTP/1.1 ${status} Fault`, "Connection: close", `Content-Length: ${Buffer.byteLength(body)}`];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    this.faults.push({ kind: "answer", raw: `${lines.join("\r\n")}\r\n\r\n${body}` });
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: net.Socket, host: string, port: number): void {
    const upstream = net.connect(port, host);
    this.track(client);
    this.track(upstream);
    let fault: Fault | undefined;
    client.on("data", (chunk: Buffer) => {
      if (REQUEST_LINE.test(chunk.toString("latin1", 0, 64))) {
        this.requests++;
        fault = this.faults.shift();
        if (fault?.kind === "answer") {
          client.end(fault.raw);
          upstream.destroy();
        }
      }
      if (fault?.kind !== "answer") upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      if (fault?.kind === "drop-response") {
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
  }
}
