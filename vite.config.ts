import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

const src = "flowdesigner/frontend/src";

// Django templates include static/dist/<entry>.js (as type="module") and <entry>.css by fixed names,
// so entry and asset names carry no hash; shared chunks do, and are loaded by the entries themselves.
export default defineConfig({
  plugins: [react()],
  base: "/static/dist/",
  publicDir: false,
  build: {
    outDir: "static/dist",
    emptyOutDir: true,
    sourcemap: true,
    rolldownOptions: {
      input: {
        designer: `${src}/designer/main.tsx`,
        inbox: `${src}/inbox/main.tsx`,
        segments: `${src}/segments/main.tsx`,
        reports: `${src}/reports/main.tsx`,
      },
      output: {
        entryFileNames: "[name].js",
        chunkFileNames: "chunks/[name]-[hash].js",
        assetFileNames: "[name][extname]",
      },
    },
  },
  test: {
    include: ["flowdesigner/frontend/**/*.test.{ts,tsx}"],
    environment: "node",
  },
});
