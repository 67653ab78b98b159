import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands, fail, ok, resetFakes } from "../../test/fake-bindings";
import { makeMe } from "../../test/fixtures";
import type { ChannelAccount } from "../ipc";
import Channels from "./Channels.svelte";

vi.mock("../bindings", () => import("../../test/fake-bindings"));

const groups = [{ id: 1, name: "1st line", color: "#3b82f6" }];
const channel = (over: Partial<ChannelAccount>): ChannelAccount => ({
  id: 4,
  kind: "custom",
  name: "Shop app",
  group_id: 1,
  disabled: false,
  ...over,
});
const me = makeMe({ permissions: { manage_settings: true } });
const row = (name: string) => document.querySelector(`[data-channel-row="${name}"]`) as HTMLElement;

describe("Administration › Channel accounts", () => {
  beforeEach(() => {
    resetFakes();
    commands.adminGroups.mockImplementation(() => ok(groups));
    commands.adminChannels.mockImplementation(() =>
      ok([channel({}), channel({ id: 5, kind: "telegram", name: "Bot", group_id: null, disabled: true })]),
    );
  });

  it("lists kind, group and status; a secret is rotated only for a Custom app", async () => {
    render(Channels, { me });
    await waitFor(() => expect(row("Shop app")).toBeTruthy());
    expect(within(row("Shop app")).getByText("Custom app")).toBeInTheDocument();
    expect(within(row("Shop app")).getByText("1st line")).toBeInTheDocument();
    expect(within(row("Shop app")).getByText("Enabled")).toBeInTheDocument();
    expect(within(row("Bot")).getByText("Disabled")).toBeInTheDocument();
    expect(within(row("Bot")).queryByRole("button", { name: "New secret" })).toBeNull();
    expect(within(row("Bot")).getByRole("button", { name: "Enable" })).toBeInTheDocument();
  });

  it("adds a Custom app channel in a group and shows its secret once", async () => {
    commands.adminCreateChannel.mockImplementation(() => ok({ channel: channel({ id: 9, name: "CRM" }), secret: "sbc_secret" }));
    render(Channels, { me });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Add Custom app channel" }));
    await user.type(screen.getByLabelText("Name"), "CRM");
    await user.selectOptions(screen.getByLabelText(/^Group/), "1st line");
    await user.click(screen.getByRole("button", { name: "Add channel" }));
    await waitFor(() =>
      expect(commands.adminCreateChannel).toHaveBeenCalledWith({ name: "CRM", group_id: 1, callback_url: null }),
    );
    expect(await screen.findByLabelText("X-Channel-Secret")).toHaveValue("sbc_secret");
    expect(screen.getByText(/\/api\/v1\/channels\/9\/inbound/)).toBeInTheDocument();
  });

  it("disables after a confirmation, renames, and rotates a secret", async () => {
    commands.adminUpdateChannel.mockImplementation(() => ok(channel({})));
    commands.adminRotateChannelSecret.mockImplementation(() => ok({ channel: channel({}), secret: "sbc_new" }));
    render(Channels, { me });
    const user = userEvent.setup();
    await waitFor(() => expect(row("Shop app")).toBeTruthy());
    await user.click(within(row("Shop app")).getByRole("button", { name: "Disable" }));
    expect(screen.getByRole("alertdialog")).toHaveTextContent("conversations stay readable");
    await user.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Disable" }));
    await waitFor(() => expect(commands.adminUpdateChannel).toHaveBeenCalledWith(4, { disabled: true }));

    await user.click(within(row("Shop app")).getByRole("button", { name: "Edit" }));
    await user.clear(screen.getByLabelText("Name"));
    await user.type(screen.getByLabelText("Name"), "Shop");
    await user.selectOptions(screen.getByLabelText(/^Group/), "No group");
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(commands.adminUpdateChannel).toHaveBeenCalledWith(4, { name: "Shop", group_id: null }));

    await user.click(within(row("Shop app")).getByRole("button", { name: "New secret" }));
    await user.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Make a new secret" }));
    expect(await screen.findByLabelText("X-Channel-Secret")).toHaveValue("sbc_new");
  });

  it("shows the server's sentence when the operator may not manage channels", async () => {
    commands.adminChannels.mockImplementation(() =>
      fail("forbidden", 'Managing channel accounts needs the super-admin or a role with "manage settings".'),
    );
    render(Channels, { me: makeMe() });
    await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent("manage settings"));
  });
});
