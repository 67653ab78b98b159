import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands, fail, ok, resetFakes } from "../../test/fake-bindings";
import { makeMe } from "../../test/fixtures";
import type { ChannelAccount } from "../ipc";
import Channels from "./Channels.svelte";
import { SERVER_URL_CONTEXT, mailUrl } from "./channel-settings";

vi.mock("../bindings", () => import("../../test/fake-bindings"));

const groups = [{ id: 1, name: "1st line", color: "#3b82f6" }];
const channel = (over: Partial<ChannelAccount>): ChannelAccount => ({
  id: 4,
  kind: "custom",
  name: "Shop app",
  group_id: 1,
  disabled: false,
  tags: [],
  ...over,
});
const me = makeMe({ permissions: { manage_settings: true } });
const row = (name: string) => document.querySelector(`[data-channel-row="${name}"]`) as HTMLElement;

describe("Administration › Channel accounts", () => {
  beforeEach(() => {
    resetFakes();
    commands.adminGroups.mockImplementation(() => ok(groups));
    commands.adminChannels.mockImplementation(() =>
      ok([
        channel({ tags: ["EU", "VIP line"] }),
        channel({ id: 5, kind: "telegram", name: "Bot", group_id: null, disabled: true, tags: ["eu"] }),
        channel({ id: 6, kind: "livechat", name: "Shop chat", group_id: null }),
      ]),
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

  it("shows tags and filters the list by one, in any case", async () => {
    render(Channels, { me });
    await waitFor(() => expect(row("Shop app")).toBeTruthy());
    expect(within(row("Shop app")).getByText("VIP line")).toBeInTheDocument();
    const filter = screen.getByLabelText("Tag");
    // "EU" and "eu" are one tag.
    expect(within(filter).getAllByRole("option").map((o) => o.textContent)).toEqual(["All channels", "EU", "VIP line"]);
    await userEvent.setup().selectOptions(filter, "EU");
    expect(row("Shop app")).toBeTruthy();
    expect(row("Bot")).toBeTruthy();
    expect(row("Shop chat")).toBeNull();
  });

  it("adds a Custom app channel in a group and shows its secret once", async () => {
    commands.adminCreateChannel.mockImplementation(() => ok({ channel: channel({ id: 9, name: "CRM" }), secret: "sbc_secret" }));
    render(Channels, { me });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Add channel" }));
    await user.type(screen.getByLabelText("Name"), "CRM");
    await user.selectOptions(screen.getByLabelText(/^Group/), "1st line");
    await user.type(screen.getByLabelText(/^Tags/), " EU, ,VIP line ");
    await user.click(screen.getByRole("button", { name: "Add" }));
    await waitFor(() =>
      expect(commands.adminCreateChannel).toHaveBeenCalledWith({
        name: "CRM",
        kind: "custom",
        group_id: 1,
        tags: ["EU", "VIP line"],
        settings: { callback_url: null },
      }),
    );
    expect(await screen.findByLabelText("X-Channel-Secret")).toHaveValue("sbc_secret");
    expect(screen.getByText(/\/api\/v1\/channels\/9\/inbound/)).toBeInTheDocument();
  });

  it("adds a Telegram bot with a webhook, and keeps the dialog open with the server's sentence", async () => {
    commands.adminCreateChannel.mockImplementation(() =>
      fail("invalid_state", "the bot token must look like 123456789:AAH… as @BotFather gives it."),
    );
    render(Channels, { me });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Add channel" }));
    await user.selectOptions(screen.getByLabelText("Kind"), "Telegram");
    expect(screen.queryByLabelText(/^Callback URL/)).toBeNull();
    await user.type(screen.getByLabelText("Name"), "Bot");
    await user.type(screen.getByLabelText(/^Bot token/), "12345:oops!");
    expect(screen.getByLabelText(/^Bot token/)).toHaveAttribute("type", "password");
    await user.click(screen.getByLabelText(/^Webhook/));
    await user.type(screen.getByLabelText(/public address/), "https://desk.example.com");
    await user.click(screen.getByRole("button", { name: "Add" }));
    await waitFor(() =>
      expect(commands.adminCreateChannel).toHaveBeenCalledWith({
        name: "Bot",
        kind: "telegram",
        group_id: null,
        tags: [],
        settings: { bot_token: "12345:oops!", webhook_url: "https://desk.example.com", api_url: null },
      }),
    );
    expect(await screen.findByRole("alert")).toHaveTextContent("@BotFather");
    expect(screen.getByRole("button", { name: "Add" })).toBeInTheDocument();
    // Another kind: the sentence about the token goes.
    await user.selectOptions(screen.getByLabelText("Kind"), "Email");
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("adds a mailbox: the users and passwords go into the server URLs, encoded", async () => {
    commands.adminCreateChannel.mockImplementation(() => ok({ channel: channel({ id: 9, kind: "email", name: "Support" }), secret: "s" }));
    render(Channels, { me });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Add channel" }));
    await user.selectOptions(screen.getByLabelText("Kind"), "Email");
    await user.type(screen.getByLabelText("Name"), "Support");
    await user.type(screen.getByLabelText("Mailbox address"), "support@acme.test");
    await user.type(screen.getByLabelText(/^IMAP server/), "imaps://mail.acme.test");
    await user.type(screen.getByLabelText("IMAP user"), "support@acme.test");
    await user.type(screen.getByLabelText("IMAP password"), "p@ss:word");
    await user.type(screen.getByLabelText(/^SMTP server/), "smtp://mail.acme.test:587");
    await user.click(screen.getByRole("button", { name: "Add" }));
    await waitFor(() =>
      expect(commands.adminCreateChannel).toHaveBeenCalledWith(
        expect.objectContaining({
          kind: "email",
          settings: {
            address: "support@acme.test",
            imap_url: "imaps://support%40acme.test:p%40ss%3Aword@mail.acme.test",
            smtp_url: "smtp://mail.acme.test:587",
          },
        }),
      ),
    );
    // No secret to show for a mailbox: the dialog just closes.
    await waitFor(() => expect(screen.queryByRole("button", { name: "Add" })).toBeNull());
    expect(screen.queryByLabelText("X-Channel-Secret")).toBeNull();
    expect(mailUrl("imaps://u:p@x.test", "other", "pw")).toBe("imaps://u:p@x.test");
    expect(mailUrl(" ", "u", "p")).toBeNull();
  });

  it("adds a web chat and shows the code a site pastes, with this server's address", async () => {
    commands.adminCreateChannel.mockImplementation(() =>
      ok({ channel: channel({ id: 12, kind: "livechat", name: "Shop chat" }), secret: "unused" }),
    );
    render(Channels, { props: { me }, context: new Map([[SERVER_URL_CONTEXT, "https://desk.acme.test/"]]) });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Add channel" }));
    await user.selectOptions(screen.getByLabelText("Kind"), "LiveChat");
    await user.type(screen.getByLabelText("Name"), "Shop chat");
    await user.type(screen.getByLabelText(/^Sites that may show the chat/), "https://shop.acme.test\nhttps://acme.test");
    await user.click(screen.getByRole("button", { name: "Add" }));
    await waitFor(() =>
      expect(commands.adminCreateChannel).toHaveBeenCalledWith(
        expect.objectContaining({ kind: "livechat", settings: { origins: ["https://shop.acme.test", "https://acme.test"] } }),
      ),
    );
    expect(await screen.findByLabelText("Embed code")).toHaveValue(
      '<script src="https://desk.acme.test/widget.js" data-channel="12" async></script>',
    );
  });

  it("changes tags and replaces a kind's settings only when asked", async () => {
    commands.adminUpdateChannel.mockImplementation(() => ok(channel({})));
    render(Channels, { me });
    const user = userEvent.setup();
    await waitFor(() => expect(row("Bot")).toBeTruthy());
    await user.click(within(row("Bot")).getByRole("button", { name: "Edit" }));
    expect(screen.queryByLabelText("Kind")).toBeNull();
    expect(screen.getByLabelText(/^Tags/)).toHaveValue("eu");
    expect(screen.queryByLabelText(/^Bot token/)).toBeNull();
    await user.clear(screen.getByLabelText(/^Tags/));
    await user.type(screen.getByLabelText(/^Tags/), "EU, Night");
    await user.click(screen.getByLabelText(/^Replace the Telegram settings/));
    await user.type(screen.getByLabelText(/^Bot token/), "42:NEW");
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() =>
      expect(commands.adminUpdateChannel).toHaveBeenCalledWith(5, {
        name: "Bot",
        group_id: null,
        tags: ["EU", "Night"],
        settings: { bot_token: "42:NEW", webhook_url: null, api_url: null },
      }),
    );
  });

  it("offers no settings to replace for a kind the server cannot connect", async () => {
    commands.adminChannels.mockImplementation(() => ok([channel({ id: 2, kind: "whatsapp", name: "+1 555 0100" })]));
    render(Channels, { me });
    const user = userEvent.setup();
    await waitFor(() => expect(row("+1 555 0100")).toBeTruthy());
    await user.click(within(row("+1 555 0100")).getByRole("button", { name: "Edit" }));
    expect(screen.getByLabelText("Name")).toHaveValue("+1 555 0100");
    expect(screen.queryByLabelText(/^Replace the/)).toBeNull();
  });

  it("deletes after a confirmation, and shows why when the server refuses", async () => {
    commands.adminDeleteChannel.mockImplementationOnce(() =>
      fail("conflict", '"Shop app" has 3 conversations; disable it instead so they stay readable.'),
    );
    commands.adminDeleteChannel.mockImplementationOnce(() => ok(null));
    render(Channels, { me });
    const user = userEvent.setup();
    await waitFor(() => expect(row("Shop app")).toBeTruthy());
    await user.click(within(row("Shop app")).getByRole("button", { name: "Delete" }));
    const confirm = screen.getByRole("alertdialog");
    expect(confirm).toHaveTextContent("cannot be deleted: disable it instead");
    await user.click(within(confirm).getByRole("button", { name: "Delete" }));
    expect(await within(screen.getByRole("alertdialog")).findByRole("alert")).toHaveTextContent("has 3 conversations");
    expect(commands.adminDeleteChannel).toHaveBeenCalledWith(4);

    await user.click(within(row("Shop chat")).getByRole("button", { name: "Delete" }));
    await user.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Delete" }));
    await waitFor(() => expect(screen.queryByRole("alertdialog")).toBeNull());
    expect(commands.adminDeleteChannel).toHaveBeenLastCalledWith(6);
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
    await waitFor(() =>
      expect(commands.adminUpdateChannel).toHaveBeenCalledWith(4, { name: "Shop", group_id: null, tags: ["EU", "VIP line"] }),
    );

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
