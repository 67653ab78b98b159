import { mount } from "svelte";
import App from "./App.svelte";
import "./app.css";
import { api } from "./lib/ipc";
import { markStep } from "./lib/perf/ready";

declare global {
  interface Window {
    /** The session's restore, as index.html asked for it before this code loaded. */
    __SWITCHBOARD_RESTORE__?: Promise<unknown>;
  }
}

// Asked before anything is drawn (by index.html, or here if it could not): the shell began
// opening the session (and reading the first screen) at process start, so the answer is ready
// by the time the page can use it.
markStep("restore-asked");
const restoring = api.restoreSession(window.__SWITCHBOARD_RESTORE__);

const target = document.getElementById("app");
if (!target) throw new Error("index.html has no #app element");

export default mount(App, { target, props: { restoring } });
