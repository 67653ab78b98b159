import { mount } from "svelte";
import App from "./App.svelte";
import "./app.css";
import { api } from "./lib/ipc";
import { markStep } from "./lib/perf/ready";

// Asked before anything is drawn: the shell began opening the session (and reading the first
// screen) at process start, so the answer is ready by the time the page can use it.
markStep("restore-asked");
const restoring = api.restoreSession();

const target = document.getElementById("app");
if (!target) throw new Error("index.html has no #app element");

export default mount(App, { target, props: { restoring } });
