// Search offers: the cheapest 8x H100 in the US, on demand, as the marketplace lists them.
//   GPUBROKER_URL=http://127.0.0.1:8000 GPUBROKER_API_KEY=gbk_... node dist/examples/search-offers.js
import { unwrap } from "../src/index.js";
import { clientFromEnv, money } from "./env.js";

const client = clientFromEnv();
const found = await unwrap(
  client.GET("/providers", {
    params: { query: { gpu_type: "H100", gpu_count: 8, country: "US", spot: false, sort: "price_asc", page_size: 5 } },
  }),
);
console.log(`${found.total} offers, the cheapest ${found.items.length}:`);
for (const offer of found.items) {
  console.log(
    `  ${offer.provider.padEnd(14)} ${offer.name.padEnd(28)} ${offer.gpu_count}x ${offer.gpu_type.padEnd(10)} ` +
      `${offer.region.padEnd(16)} $${money(offer.price_per_hour)}/h  ${offer.id}`,
  );
}
