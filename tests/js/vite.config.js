import { defineConfig } from "vite";

// The test page of tests/api/test_langgraph_ui.py: built once, served from another origin than the API.
export default defineConfig({
  base: "./",
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false },
});
