// Stream the assistant's answer over server-sent events, printing its tokens as they come.
//   GPUBROKER_URL=... GPUBROKER_API_KEY=gbk_... node dist/examples/stream-chat.js "cheapest 8x H100 in the US for a week"
import { streamChat, type ChatResult } from "../src/index.js";
import { clientFromEnv, money } from "./env.js";

const prompt = process.argv.slice(2).join(" ") || "cheapest 8x H100 in the US for a week";
const client = clientFromEnv();
let tokens = 0;
for await (const { event, data } of streamChat(client, { prompt })) {
  if (event === "token") {
    tokens += 1;
    process.stdout.write((data as { text: string }).text);
  } else if (event === "tool_start") {
    console.log(`\n[tool ${(data as { name: string }).name}]`);
  } else if (event === "result") {
    const offers = (data as ChatResult).recommendations ?? [];
    console.log(`\n\n${tokens} tokens streamed; ${offers.length} offers recommended, the first:`);
    for (const offer of offers.slice(0, 3)) {
      console.log(`  ${offer.provider_id} ${offer.name} $${money(offer.price_per_hour)}/h`);
    }
  } else if (event === "error") {
    const { code, message } = data as { code: string; message: string };
    console.error(`\nthe run failed: ${code}: ${message}`);
    process.exitCode = 1;
  }
}
