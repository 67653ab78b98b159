import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { resetFakes } from "../../test/fake-bindings";
import { makeMe } from "../../test/fixtures";
import AdminArea from "./AdminArea.svelte";
import AdminButton from "./AdminButton.svelte";
import Probe from "./test/Probe.svelte";
import { SECTIONS, sectionsFor, type AdminSection } from "./sections";

vi.mock("../bindings", () => import("../../test/fake-bindings"));

const ids = (me: ReturnType<typeof makeMe>) => sectionsFor(me).map((s) => s.id);

describe("the Administration area", () => {
  beforeEach(resetFakes);

  it("offers each part to whom its role allows", () => {
    expect(ids(makeMe({ super_admin: true }))).toEqual([
      "operators", "groups", "roles", "channels", "action-log", "advanced", "personal-data", "ip-whitelist", "iframe", "webhooks",
    ]);
    expect(ids(makeMe({ permissions: { manage_operators: true } }))).toEqual(["operators", "groups", "roles"]);
    expect(ids(makeMe({ permissions: { manage_settings: true } }))).toEqual(["channels"]);
    // "View action log" opens the log only: the other Advanced sections stay the super-admin's.
    expect(ids(makeMe({ permissions: { view_action_log: true } }))).toEqual(["action-log"]);
    expect(ids(makeMe({ permissions: { download_conversations: true } }))).toEqual([]);
    expect(ids(makeMe())).toEqual([]);
  });

  it("shows the entry only when there is something to open", async () => {
    const { unmount } = render(AdminButton, { me: makeMe(), active: false, onopen: () => {} });
    expect(screen.queryByRole("button", { name: "Administration" })).toBeNull();
    unmount();
    const onopen = vi.fn();
    render(AdminButton, { me: makeMe({ permissions: { manage_settings: true } }), active: false, onopen });
    await userEvent.setup().click(screen.getByRole("button", { name: "Administration" }));
    expect(onopen).toHaveBeenCalled();
  });

  it("is built from its registry: a new section is one entry, and gets `me` and the server", async () => {
    const extra: AdminSection = { id: "probe", label: "Probe", group: "Settings", allowed: () => true, load: async () => ({ default: Probe }) };
    render(AdminArea, { me: makeMe(), server: "https://desk.example.com", onclose: () => {}, sections: [...SECTIONS, extra] });
    // A plain operator sees only the section everyone may open.
    expect(screen.queryByRole("button", { name: "Operators" })).toBeNull();
    await userEvent.setup().click(screen.getByRole("button", { name: "Probe" }));
    expect(await screen.findByText("Probe for Anna Petrova on https://desk.example.com")).toBeInTheDocument();
  });

  it("closes when a role change takes every section away", async () => {
    const onclose = vi.fn();
    const { rerender } = render(AdminArea, { me: makeMe({ permissions: { manage_settings: true } }), onclose });
    expect(screen.getByRole("button", { name: "Channel accounts" })).toBeInTheDocument();
    await rerender({ me: makeMe(), onclose });
    await waitFor(() => expect(onclose).toHaveBeenCalled());
  });
});
