import { mount } from "svelte";
import App from "./App.svelte";
import "./app.css";

// `npm run dev` in a plain browser has no shell to talk to: stand in a demo backend so the UI
// can be worked on and looked at. Stripped from production builds.
if (import.meta.env.DEV && !("__TAURI_INTERNALS__" in window)) {
  const { installDemoBackend } = await import("./dev/demo-backend");
  installDemoBackend();
}

const target = document.getElementById("app");
if (!target) throw new Error("index.html has no #app element");

export default mount(App, { target });
