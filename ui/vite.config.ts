// Vite builds the UI into the Python package, where `loam up` serves it at `/`.
// JSX goes through esbuild's automatic runtime, so no React plugin is needed.
import { defineConfig } from "vite";

// (This file runs in Node and is not part of the app's type check.)
const outDir = "../src/loam/ui/dist"; // relative to ui/
// `npm run dev` forwards API calls to a running `loam up` (override with LOAM_API_URL).
const apiUrl = process.env.LOAM_API_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  base: "/",
  esbuild: {
    jsx: "automatic",
    jsxImportSource: "react",
  },
  build: {
    outDir,
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 600,
    rollupOptions: {
      onwarn(warning, warn) {
        // React Query and React Router mark modules "use client" for server
        // components; a browser bundle has nothing to do with it.
        if (warning.code === "MODULE_LEVEL_DIRECTIVE") return;
        warn(warning);
      },
    },
  },
  server: {
    proxy: {
      "/api": apiUrl,
      "/collect": apiUrl,
    },
  },
});
