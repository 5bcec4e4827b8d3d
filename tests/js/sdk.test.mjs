// LangGraph's official JS client (@langchain/langgraph-sdk) driving GPUBroker with a team API key.
// Run by tests/api/test_langgraph_js.py against a served app: LG_URL and LG_API_KEY name it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Client } from "@langchain/langgraph-sdk";

const client = new Client({ apiUrl: process.env.LG_URL, apiKey: process.env.LG_API_KEY });
const ASK = { messages: [{ role: "user", content: "cheapest 8x H100 in the US for a week" }] };
const BOOK = { messages: [{ role: "user", content: "book the cheapest H100 for 2 hours" }] };

async function collect(iterable) {
  const parts = [];
  for await (const part of iterable) parts.push(part);
  return parts;
}

test("assistants: search, get, graph, schemas", async () => {
  const found = await client.assistants.search({ graphId: "gpubroker" });
  assert.equal(found.length, 1);
  const byId = await client.assistants.get(found[0].assistant_id);
  assert.equal(byId.graph_id, "gpubroker");
  const graph = await client.assistants.getGraph("gpubroker");
  assert.ok(graph.nodes.some((n) => n.id === "respond"));
  const schemas = await client.assistants.getSchemas("gpubroker");
  assert.ok(schemas.input_schema.properties.messages);
});

test("threads: create, search, count, update, state, history, copy, delete", async () => {
  const tag = `js-${Date.now()}`;
  const thread = await client.threads.create({ metadata: { tag } });
  const values = await client.runs.wait(thread.thread_id, "gpubroker", { input: ASK });
  assert.ok(values.result.recommendations.length > 0);
  const listed = await client.threads.search({ metadata: { tag, graph_id: "gpubroker" }, limit: 10 });
  assert.deepEqual(listed.map((t) => t.thread_id), [thread.thread_id]);
  assert.equal(await client.threads.count({ metadata: { tag } }), 1);
  const updated = await client.threads.update(thread.thread_id, { metadata: { title: "H100" } });
  assert.equal(updated.metadata.title, "H100");
  const got = await client.threads.get(thread.thread_id);
  assert.equal(got.status, "idle");
  assert.equal(got.values.messages.at(-1).type, "ai");
  const state = await client.threads.getState(thread.thread_id);
  assert.deepEqual(state.values.messages, got.values.messages);
  const history = await client.threads.getHistory(thread.thread_id, { limit: 3 });
  assert.equal(history.length, 3);
  assert.equal(history[0].checkpoint.checkpoint_id, state.checkpoint.checkpoint_id);
  const copy = await client.threads.copy(thread.thread_id);
  const copied = await client.threads.getState(copy.thread_id);
  assert.equal(copied.values.messages.length, state.values.messages.length);
  const note = await client.threads.updateState(copy.thread_id, {
    values: { messages: [{ role: "user", content: "note" }] },
    asNode: "respond",
  });
  assert.ok(note.checkpoint.checkpoint_id);
  await client.threads.delete(copy.thread_id);
  await assert.rejects(client.threads.get(copy.thread_id));
});

test("runs: every stream mode, custom progress, ids and Content-Location", async () => {
  const thread = await client.threads.create();
  let created;
  const parts = await collect(
    client.runs.stream(thread.thread_id, "gpubroker", {
      input: ASK,
      streamMode: ["values", "updates", "messages-tuple", "custom", "events", "debug"],
      onRunCreated: (meta) => (created = meta),
    })
  );
  assert.equal(parts[0].event, "metadata");
  assert.equal(created.run_id, parts[0].data.run_id);
  const kinds = new Set(parts.map((p) => p.event));
  for (const kind of ["values", "updates", "messages", "custom", "events", "debug"]) assert.ok(kinds.has(kind), kind);
  const progress = parts.find((p) => p.event === "custom").data;
  assert.match(progress.message, /^found [\d,]+ matching offers$/);
  assert.ok(parts.every((p) => p.id));
});

test("runs: background, join, get, list, joinStream from an event, cancel, multitask", async () => {
  const thread = await client.threads.create();
  const run = await client.runs.create(thread.thread_id, "gpubroker", {
    input: ASK,
    streamMode: ["updates"],
    streamResumable: true,
  });
  await assert.rejects(client.runs.create(thread.thread_id, "gpubroker", { input: ASK }), /409|busy/i);
  const joined = await client.runs.join(thread.thread_id, run.run_id);
  assert.ok(joined.result.recommendations.length > 0);
  assert.equal((await client.runs.get(thread.thread_id, run.run_id)).status, "success");
  const replay = await collect(client.runs.joinStream(thread.thread_id, run.run_id, { lastEventId: "-1" }));
  assert.ok(replay.some((p) => p.event === "updates" && p.data.respond));
  const tail = await collect(client.runs.joinStream(thread.thread_id, run.run_id, { lastEventId: replay[1].id }));
  assert.equal(tail.length, replay.length - 2);
  const queued = await client.runs.create(thread.thread_id, "gpubroker", { input: ASK, multitaskStrategy: "enqueue" });
  await client.runs.cancel(thread.thread_id, queued.run_id, true);
  const runs = await client.runs.list(thread.thread_id);
  assert.deepEqual(new Set(runs.map((r) => r.run_id)), new Set([run.run_id, queued.run_id]));
  const stateless = await client.runs.wait(null, "gpubroker", { input: ASK });
  assert.ok(stateless.result.recommendations.length > 0);
});

test("the booking approval: an interrupted thread, resumed with a command", async () => {
  const thread = await client.threads.create();
  const paused = await client.runs.wait(thread.thread_id, "gpubroker", { input: BOOK });
  assert.equal(paused.__interrupt__[0].value.action, "book_offer");
  const asked = await client.threads.get(thread.thread_id);
  assert.equal(asked.status, "interrupted");
  await client.runs.wait(thread.thread_id, "gpubroker", { command: { resume: { approved: false } } });
  assert.equal((await client.threads.get(thread.thread_id)).status, "idle");
});
