// The client every example uses: GPUBROKER_URL, and GPUBROKER_API_KEY (a team API key, gbk_...) or
// GPUBROKER_ACCESS_TOKEN (a user's access token from POST /auth/login, where a key's scopes do not reach).
import { createGPUBrokerClient, type GPUBrokerClient } from "../src/index.js";

export function clientFromEnv(): GPUBrokerClient {
  const baseUrl = process.env["GPUBROKER_URL"];
  const apiKey = process.env["GPUBROKER_API_KEY"];
  const accessToken = process.env["GPUBROKER_ACCESS_TOKEN"];
  if (!baseUrl || !(apiKey || accessToken)) {
    throw new Error("set GPUBROKER_URL and GPUBROKER_API_KEY (or GPUBROKER_ACCESS_TOKEN)");
  }
  return createGPUBrokerClient({
    baseUrl,
    ...(accessToken ? { accessToken } : { apiKey: apiKey as string }),
  });
}

export function money(amount: number): string {
  return amount.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}
