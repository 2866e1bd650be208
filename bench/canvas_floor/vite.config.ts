// The floor page of bench/canvas.py: a bare React Flow page built on its own, never part of the product
// build (the repository's vite.config.ts stays untouched). The bench passes --outDir (a temp folder).
import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  plugins: [react()],
  base: "./",
  publicDir: false,
  logLevel: "warn",
  build: { emptyOutDir: true, sourcemap: false },
});
