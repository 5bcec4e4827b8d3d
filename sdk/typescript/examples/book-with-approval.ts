// Book through the assistant: it asks for approval first, and only an approval books. In a terminal it
// asks you; otherwise (CI) it approves. The booking goes to the provider (the sandbox provider unless the
// team set up another) and becomes active.
//   GPUBROKER_URL=... GPUBROKER_API_KEY=gbk_... node dist/examples/book-with-approval.js "book the cheapest H100 for 2 hours"
import { createInterface } from "node:readline/promises";
import { setTimeout as sleep } from "node:timers/promises";

import { unwrap } from "../src/index.js";
import { clientFromEnv, money } from "./env.js";

interface Approval {
  question: string;
  offer_id: string;
  hours: number;
  estimated_total: number;
}

const prompt = process.argv.slice(2).join(" ") || "book the cheapest H100 for 2 hours";
const client = clientFromEnv();
const asked = await unwrap(client.POST("/ai/chat", { body: { prompt } }));
if (!asked.approval) throw new Error(`the assistant asked nothing to approve: ${asked.summary}`);
const approval = asked.approval as unknown as Approval;
console.log(`approval asked: ${approval.question}`);
console.log(`  offer ${approval.offer_id}, ${approval.hours} h, about $${money(approval.estimated_total)}`);

let approved = true;
if (process.stdin.isTTY) {
  const terminal = createInterface({ input: process.stdin, output: process.stdout });
  approved = (await terminal.question("approve? [y/N] ")).trim().toLowerCase() === "y";
  terminal.close();
}
console.log(approved ? "approved" : "declined");

const done = await unwrap(
  client.POST("/ai/chat", { body: { thread_id: asked.thread_id, resume: { approved } } }),
);
console.log(done.summary);
if (done.booking) {
  const bookingId = String(done.booking["id"]);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const booking = await unwrap(
      client.GET("/bookings/{booking_id}", { params: { path: { booking_id: bookingId } } }),
    );
    console.log(`booking ${booking.id}: ${booking.state}`);
    if (["active", "failed", "cancelled"].includes(booking.state) || Date.now() > deadline) break;
    await sleep(1000);
  }
}
