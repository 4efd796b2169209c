import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** During `vite` (dev) and `vite preview` the API and socket.io are proxied to a running hub. */
const hub = process.env.HUB_URL ?? 'http://127.0.0.1:8080';
const proxy = {
  '/api': { target: hub, changeOrigin: true },
  '/socket.io': { target: hub, ws: true, changeOrigin: true },
};

export default defineConfig({
  root: fileURLToPath(new URL('./app/', import.meta.url)),
  base: '/',
  // The hub serves the built files from console/dist (see console/app/README.md).
  build: {
    outDir: fileURLToPath(new URL('./dist/', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  server: { proxy },
  preview: { proxy },
});
