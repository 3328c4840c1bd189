/// <reference types="electron-vite/node" />
// Declares electron-vite's `*?nodeWorker` imports (a worker entry bundled into out/main).
