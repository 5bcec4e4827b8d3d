// Read the team's invoices, newest first, and the lines of the latest. Team API keys carry no billing
// scope: set GPUBROKER_ACCESS_TOKEN to the access token of the team's admin or a billing user.
//   GPUBROKER_URL=... GPUBROKER_ACCESS_TOKEN=eyJ... node dist/examples/read-invoices.js
import { GPUBrokerError, unwrap } from "../src/index.js";
import { clientFromEnv } from "./env.js";

const client = clientFromEnv();
try {
  const page = await unwrap(client.GET("/invoices", { params: { query: { page_size: 10 } } }));
  console.log(`${page.total} invoices`);
  for (const invoice of page.items) {
    console.log(`  ${invoice.number}  ${invoice.day}  ${invoice.status.padEnd(6)} ${invoice.currency} ${invoice.total}`);
  }
  const latest = page.items[0];
  if (latest) {
    const invoice = await unwrap(
      client.GET("/invoices/{invoice_id}", { params: { path: { invoice_id: latest.id } } }),
    );
    console.log(`lines of ${invoice.number}:`);
    for (const line of invoice.lines) console.log(`  ${line.description}: ${line.amount_usd} USD`);
  }
} catch (error) {
  // The API's error envelope, typed: e.g. 403 `forbidden` for an API key, which has no billing scope.
  if (error instanceof GPUBrokerError) {
    console.error(`${error.status} ${error.code}: ${error.message} (trace ${error.traceId})`);
    process.exitCode = 1;
  } else {
    throw error;
  }
}
