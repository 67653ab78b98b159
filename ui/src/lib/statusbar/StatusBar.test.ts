import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import { makeSession } from "../../test/fixtures";
import type { ConnState } from "../ipc";
import StatusBar from "./StatusBar.svelte";

function show(conn: ConnState, onsignout = () => {}) {
  render(StatusBar, { conn, session: makeSession(), onsignout });
  return document.querySelector("#conn-state") as HTMLElement;
}

describe("StatusBar", () => {
  it("shows online", () => {
    const conn = show({ state: "online" });
    expect(conn).toHaveAttribute("data-state", "online");
    expect(conn).toHaveTextContent("Online");
  });

  it("shows connecting", () => {
    expect(show({ state: "connecting" })).toHaveTextContent("Connecting…");
  });

  it("shows since when it is offline and that the cache is shown", () => {
    const since = new Date();
    since.setHours(14, 5, 0, 0);
    const conn = show({ state: "offline", since: since.getTime(), reason: "connection refused" });
    expect(conn).toHaveAttribute("data-state", "offline");
    expect(conn).toHaveTextContent("Offline since 14:05 — showing cached conversations");
    expect(conn).toHaveAttribute("title", "connection refused");
  });

  it("shows sync progress", () => {
    const conn = show({ state: "syncing", done: 1200, total: 2000 });
    expect(conn).toHaveAttribute("data-state", "syncing");
    expect(conn).toHaveTextContent("Syncing 1,200 / 2,000");
    expect(screen.getByRole("progressbar")).toHaveAttribute("aria-valuenow", "60");
  });

  it("shows an open-ended sync when the total is unknown", () => {
    const conn = show({ state: "syncing", done: 0, total: 0 });
    expect(conn).toHaveTextContent("Syncing…");
    expect(screen.getByRole("progressbar")).not.toHaveAttribute("aria-valuenow");
  });

  it("shows the operator and signs out", async () => {
    const onsignout = vi.fn();
    show({ state: "online" }, onsignout);
    expect(document.querySelector("#operator-name")).toHaveTextContent("Anna Petrova");
    await fireEvent.click(document.querySelector("#sign-out") as Element);
    expect(onsignout).toHaveBeenCalledOnce();
  });

  it("says when the session will not be remembered", () => {
    render(StatusBar, { conn: { state: "online" }, session: makeSession({ remembered: false }), onsignout: () => {} });
    expect(screen.getByText("Session only")).toBeInTheDocument();
  });
});
