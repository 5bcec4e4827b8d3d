// A chat front-end built on useStream the way LangChain's agent-chat-ui builds it (src/providers/Stream.tsx
// and Thread.tsx there): fetchStateHistory, onCustomEvent, a thread list from threads.search by graph_id,
// optimistic human messages, Stop, the interrupt answered with a resume command. The API URL, the
// assistant id and the API key come from the query string, as agent-chat-ui's setup form takes them.
import { useCallback, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { Client } from "@langchain/langgraph-sdk";
import { useStream } from "@langchain/langgraph-sdk/react";

const query = new URLSearchParams(window.location.search);
const apiUrl = query.get("apiUrl");
const apiKey = query.get("apiKey");
const assistantId = query.get("assistantId") ?? "gpubroker";

function useThreads() {
  const [threads, setThreads] = useState([]);
  const getThreads = useCallback(async () => {
    const client = new Client({ apiUrl, apiKey });
    return client.threads.search({ metadata: { graph_id: assistantId }, limit: 100 });
  }, []);
  const refresh = useCallback(() => getThreads().then(setThreads).catch(console.error), [getThreads]);
  return { threads, refresh };
}

function text(message) {
  if (typeof message.content === "string") return message.content;
  return (message.content ?? []).map((part) => part.text ?? "").join("");
}

function App() {
  const [threadId, setThreadId] = useState(null);
  const [progress, setProgress] = useState([]);
  const [draft, setDraft] = useState("");
  const { threads, refresh } = useThreads();

  const stream = useStream({
    apiUrl,
    apiKey,
    assistantId,
    threadId,
    fetchStateHistory: true,
    onCustomEvent: (event) => {
      if (event?.type === "progress") setProgress((prev) => [...prev, event.message]);
    },
    onThreadId: (id) => {
      setThreadId(id);
      // As agent-chat-ui does: the run that stamps the thread's graph_id starts just after.
      setTimeout(refresh, 1000);
    },
    onFinish: () => refresh(),
    onStop: () => refresh(),
  });

  useEffect(() => {
    refresh();
  }, [refresh]);

  const send = (event) => {
    event.preventDefault();
    if (!draft.trim()) return;
    const message = { type: "human", content: draft };
    setProgress([]);
    stream.submit(
      { messages: [message] },
      {
        streamMode: ["values"],
        optimisticValues: (prev) => ({ ...prev, messages: [...(prev.messages ?? []), message] }),
      }
    );
    setDraft("");
  };

  const interrupt = stream.interrupt;
  return (
    <>
      <aside>
        <h3>Threads</h3>
        <button data-testid="new-thread" onClick={() => setThreadId(null)}>
          + New thread
        </button>
        <ul data-testid="threads" style={{ listStyle: "none", padding: 0 }}>
          {threads.map((t) => (
            <li key={t.thread_id}>
              <button data-testid="thread" data-thread-id={t.thread_id} data-status={t.status} onClick={() => setThreadId(t.thread_id)}>
                {t.thread_id.slice(0, 8)} · {t.status} · {t.values?.messages?.[0]?.content?.slice?.(0, 30) ?? "new"}
              </button>
            </li>
          ))}
        </ul>
      </aside>
      <main>
        <h2>GPUBroker assistant</h2>
        <div data-testid="status">{stream.isLoading ? "streaming" : "idle"}</div>
        {stream.error ? <div data-testid="error">{String(stream.error?.message ?? stream.error)}</div> : null}
        <div data-testid="messages">
          {stream.messages.map((m, i) => (
            <div key={m.id ?? i} className={`msg ${m.type}`} data-testid={`msg-${m.type}`}>
              {m.type === "tool" ? `tool ${m.name}` : text(m)}
            </div>
          ))}
        </div>
        <div data-testid="progress">
          {progress.map((p, i) => (
            <div key={i} className="progress">
              {p}
            </div>
          ))}
        </div>
        {interrupt && !stream.isLoading ? (
          <div className="approval" data-testid="approval">
            <div data-testid="question">{interrupt.value?.question ?? JSON.stringify(interrupt.value)}</div>
            <button data-testid="approve" onClick={() => stream.submit(undefined, { command: { resume: { approved: true } } })}>
              Approve
            </button>
            <button data-testid="decline" onClick={() => stream.submit(undefined, { command: { resume: { approved: false } } })}>
              Decline
            </button>
          </div>
        ) : null}
        <form onSubmit={send}>
          <input data-testid="prompt" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="Ask about GPUs…" />
          {stream.isLoading ? (
            <button type="button" data-testid="stop" onClick={() => stream.stop()}>
              Stop
            </button>
          ) : (
            <button type="submit" data-testid="send">
              Send
            </button>
          )}
        </form>
      </main>
    </>
  );
}

createRoot(document.getElementById("root")).render(<App />);
