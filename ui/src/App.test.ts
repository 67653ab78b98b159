import { render, screen, waitFor } from "@testing-library/svelte";
import { beforeEach, describe, expect, it, vi } from "vitest";
import App from "./App.svelte";
import { commands, fire, listed, ok, resetFakes } from "./test/fake-bindings";
import { makeMe, makeOpened, makeSession } from "./test/fixtures";

vi.mock("./lib/bindings", () => import("./test/fake-bindings"));

describe("App", () => {
  beforeEach(resetFakes);

  it("shows sign-in when no session is remembered", async () => {
    render(App);
    expect(await screen.findByRole("button", { name: "Sign in" })).toBeInTheDocument();
    expect(document.querySelector("#server-url")).not.toBeNull();
  });

  it("opens the desk for a restored session and returns to sign-in with the reason on signedOut", async () => {
    commands.restoreSession.mockImplementation(() => ok(makeOpened()));
    render(App);
    await waitFor(() => expect(document.querySelector("#sign-out")).not.toBeNull());
    expect(document.querySelector("[data-tab='inbox']")).not.toBeNull();

    fire("signedOut", { reason: "Your token was revoked. Sign in again." });

    expect(await screen.findByRole("button", { name: "Sign in" })).toBeInTheDocument();
    expect(document.querySelector("#sign-in-notice")).toHaveTextContent("Your token was revoked. Sign in again.");
  });

  it("signs out from the status bar", async () => {
    commands.restoreSession.mockImplementation(() => ok(makeOpened()));
    render(App);
    const button = await waitFor(() => {
      const el = document.querySelector("#sign-out");
      expect(el).not.toBeNull();
      return el as HTMLButtonElement;
    });
    button.click();
    expect(await screen.findByRole("button", { name: "Sign in" })).toBeInTheDocument();
    expect(commands.signOut).toHaveBeenCalledOnce();
  });

  it("follows a role change without a restart: tabs and Administration appear in the same desk", async () => {
    commands.restoreSession.mockImplementation(() => ok(makeOpened()));
    commands.listConversations.mockImplementation(() => listed([]));
    render(App);
    await waitFor(() => expect(document.querySelector("[data-tab='inbox']")).not.toBeNull());
    expect(document.querySelector("[data-tab='all']")).toBeNull();
    expect(document.querySelector("#admin-open")).toBeNull();
    const restores = commands.restoreSession.mock.calls.length;

    fire("sessionChanged", {
      info: makeSession({
        me: makeMe({ permissions: { show_all_tab: true, manage_operators: true } }),
        tabs: ["unassigned", "inbox", "closed", "all", "blacklist"],
      }),
    });

    await waitFor(() => expect(document.querySelector("[data-tab='all']")).not.toBeNull());
    expect(document.querySelector("#admin-open")).not.toBeNull();
    // The same session: nothing was restored again, and the operator was not signed out.
    expect(commands.restoreSession.mock.calls.length).toBe(restores);
    expect(document.querySelector("#sign-out")).not.toBeNull();

    // And back: the tab and the entry go away.
    fire("sessionChanged", { info: makeSession() });
    await waitFor(() => expect(document.querySelector("[data-tab='all']")).toBeNull());
    expect(document.querySelector("#admin-open")).toBeNull();
  });

  it("shows the deactivation sentence on the sign-in screen", async () => {
    commands.restoreSession.mockImplementation(() => ok(makeOpened()));
    render(App);
    await waitFor(() => expect(document.querySelector("#sign-out")).not.toBeNull());
    fire("signedOut", { reason: "Your account was deactivated by an admin." });
    await waitFor(() =>
      expect(document.querySelector("#sign-in-notice")).toHaveTextContent("Your account was deactivated by an admin."),
    );
  });
});
