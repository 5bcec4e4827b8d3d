/**
 * GPUBroker's TypeScript client: openapi-fetch, typed by `schema.ts` (generated from the app's OpenAPI
 * document by `make sdk`; never edit it by hand), with the credentials set once and errors thrown.
 *
 * Every call resolves with `{ data, response }` for a 2xx answer and rejects with a `GPUBrokerError`
 * for any other: the API's JSON envelope `{"error": {"code", "message", "details", "trace_id"}}` with the
 * HTTP status. `unwrap` turns a call into its typed `data`.
 *
 * `POST /ai/chat/stream` answers server-sent events, which openapi-fetch does not parse: `streamChat`
 * reads them from the response body (`parseAs: "stream"`), one `{ event, data }` at a time.
 */
import createClient, { type Client, type Middleware } from "openapi-fetch";

import type { components, operations, paths } from "./schema.js";

export type { components, operations, paths };

/** The API's schemas by name: `Schemas["OfferOut"]`, `Schemas["InvoicePage"]`, ... */
export type Schemas = components["schemas"];
export type ErrorEnvelope = Schemas["ErrorEnvelope"];
export type ChatRequest = Schemas["ChatRequest"];
export type ChatResult = Schemas["ChatResult"];

/** The client: `client.GET("/providers", { params: { query: { gpu_type: "H100" } } })`, every path typed. */
export type GPUBrokerClient = Client<paths, "application/json">;

export interface GPUBrokerOptions {
  /** The API's base URL, e.g. `http://127.0.0.1:8000`. */
  baseUrl: string;
  /** A team API key (`gbk_...`, made on the API keys page or with `POST /api-keys`), sent as `X-Api-Key`. */
  apiKey?: string;
  /** Or a user's access token (`POST /auth/login`), sent as `Authorization: Bearer`. */
  accessToken?: string;
  /** Another `fetch` (tests, proxies); the global one by default. */
  fetch?: (input: Request) => Promise<Response>;
}

/** An answer other than 2xx, with the API's error envelope (or one made from the status when none came). */
export class GPUBrokerError extends Error {
  override readonly name = "GPUBrokerError";

  constructor(
    readonly status: number,
    readonly envelope: ErrorEnvelope,
  ) {
    super(`${status} ${envelope.error.code}: ${envelope.error.message}`);
  }

  /** Stable and machine-readable: `not_found`, `validation_error`, `no_pending_approval`, ... */
  get code(): string {
    return this.envelope.error.code;
  }

  get details(): unknown {
    return this.envelope.error.details;
  }

  /** The request's trace id: quote it when reporting a problem. */
  get traceId(): string {
    return this.envelope.error.trace_id;
  }

  static async fromResponse(response: Response): Promise<GPUBrokerError> {
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (isEnvelope(body)) return new GPUBrokerError(response.status, body);
    // Not our envelope (a proxy in between, say): keep what there is under the same shape.
    return new GPUBrokerError(response.status, {
      error: {
        code: `http_${response.status}`,
        message: text.slice(0, 500) || response.statusText,
        details: null,
        trace_id: response.headers.get("X-Trace-Id") ?? "",
      },
    });
  }
}

function isEnvelope(body: unknown): body is ErrorEnvelope {
  if (typeof body !== "object" || body === null || !("error" in body)) return false;
  const error = (body as { error: unknown }).error;
  return typeof error === "object" && error !== null && "code" in error && "message" in error;
}

const throwOnError: Middleware = {
  async onResponse({ response }) {
    if (!response.ok) throw await GPUBrokerError.fromResponse(response);
    return undefined;
  },
};

export function createGPUBrokerClient(options: GPUBrokerOptions): GPUBrokerClient {
  const headers: Record<string, string> = {};
  if (options.apiKey) headers["X-Api-Key"] = options.apiKey;
  if (options.accessToken) headers["Authorization"] = `Bearer ${options.accessToken}`;
  const client = createClient<paths, "application/json">({
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    headers,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  client.use(throwOnError);
  return client;
}

/** A call's typed data: `const offers = await unwrap(client.GET("/providers"))`. */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  // The middleware has already thrown for an error answer; this is for a client made without it.
  if (error !== undefined) throw await GPUBrokerError.fromResponse(response);
  return data as T;
}

/** The names of `POST /ai/chat/stream`'s events, as the OpenAPI document lists them. */
export type ChatEventName =
  operations["chat_stream"]["responses"][200]["content"]["text/event-stream"]["event"];

/** One server-sent event: its name and its `data:` parsed as JSON. */
export interface ServerSentEvent<Name extends string = string> {
  event: Name;
  data: unknown;
  id?: string;
}

/**
 * The assistant's answer as it is written (api/chat.py documents the events): `metadata` first, then
 * `token`s (`{ text }`), `tool_start`/`tool_end`, `result` (a `ChatResult`) or `approval_required`,
 * maybe `error`, and `end` last.
 */
export async function* streamChat(
  client: GPUBrokerClient,
  body: ChatRequest,
  signal?: AbortSignal,
): AsyncGenerator<ServerSentEvent<ChatEventName>> {
  const { response } = await client.POST("/ai/chat/stream", {
    body,
    parseAs: "stream",
    ...(signal ? { signal } : {}),
  });
  for await (const event of serverSentEvents(response)) yield event as ServerSentEvent<ChatEventName>;
}

/** Reads a `text/event-stream` body into events; `data:` lines are joined and parsed as JSON. */
export async function* serverSentEvents(response: Response): AsyncGenerator<ServerSentEvent> {
  if (!response.body) return;
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, "");
      const event = parseBlock(block);
      if (event) yield event;
    }
  }
  const last = parseBlock(buffer + decoder.decode());
  if (last) yield last;
}

function parseBlock(block: string): ServerSentEvent | undefined {
  let event = "message";
  let id: string | undefined;
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith(":")) continue; // a comment (keep-alive)
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
    else if (field === "id") id = value;
  }
  if (!data.length) return undefined;
  const text = data.join("\n");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  return id === undefined ? { event, data: parsed } : { event, data: parsed, id };
}
