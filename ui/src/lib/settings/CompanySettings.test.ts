import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands, fail, ok, resetFakes } from "../../test/fake-bindings";
import { makeMe } from "../../test/fixtures";
import CompanySettings from "./CompanySettings.svelte";
import CompanySettingsButton from "./CompanySettingsButton.svelte";

vi.mock("../bindings", () => import("../../test/fake-bindings"));

const groups = [
  { group_id: 1, name: "1st line", policy: { block_send: false, block_receive: false } },
  { group_id: 2, name: "2nd line", policy: { block_send: false, block_receive: true } },
];

describe("the Company settings dialog", () => {
  beforeEach(resetFakes);

  it("saves the email whitelist and only the groups that changed (super-admin)", async () => {
    commands.emailWhitelist.mockImplementation(() => ok({ restrict: false, addresses: ["old@partner.test"] }));
    commands.groupFiles.mockImplementation(() => ok(structuredClone(groups)));
    commands.setEmailWhitelist.mockImplementation(() =>
      ok({ restrict: true, addresses: ["claims@partner.test", "old@partner.test"] }),
    );
    render(CompanySettings, { onclose: () => {} });
    const user = userEvent.setup();
    await waitFor(() => expect(screen.getByText("2nd line")).toBeInTheDocument());
    expect(screen.getByLabelText(/Allowed addresses/)).toHaveValue("old@partner.test");
    expect(document.querySelector('[data-block-receive="2"]')).toBeChecked();
    await user.click(screen.getByLabelText("Restrict email addresses"));
    await user.type(screen.getByLabelText(/Allowed addresses/), "\nClaims@Partner.test");
    await user.click(document.querySelector('[data-block-send="1"]') as HTMLElement);
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.getByText("Saved.")).toBeInTheDocument());
    expect(commands.setEmailWhitelist).toHaveBeenCalledWith({
      restrict: true,
      addresses: ["old@partner.test", "Claims@Partner.test"],
    });
    expect(commands.setGroupFiles).toHaveBeenCalledTimes(1);
    expect(commands.setGroupFiles).toHaveBeenCalledWith(1, { block_send: true, block_receive: false });
    // The server's normalized list is shown.
    expect(screen.getByLabelText(/Allowed addresses/)).toHaveValue("claims@partner.test\nold@partner.test");
  });

  it("shows the server's refusal and does not say Saved", async () => {
    commands.setEmailWhitelist.mockImplementation(() => fail("bad_input", '"nope" is not a valid email address.'));
    render(CompanySettings, { onclose: () => {} });
    const user = userEvent.setup();
    await waitFor(() => expect(screen.getByLabelText("Restrict email addresses")).toBeInTheDocument());
    await user.click(screen.getByLabelText("Restrict email addresses"));
    await user.type(screen.getByLabelText(/Allowed addresses/), "nope");
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent('"nope" is not a valid email address.'));
    expect(screen.queryByText("Saved.")).toBeNull();
  });

  it("is offered only to super-admins (Settings › Advanced), not for manage_settings", async () => {
    const { unmount } = render(CompanySettingsButton, { me: makeMe({ permissions: { manage_settings: true } }) });
    expect(screen.queryByText("Company settings")).toBeNull();
    unmount();
    render(CompanySettingsButton, { me: makeMe({ super_admin: true }) });
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Company settings" }));
    await waitFor(() => expect(document.querySelector("#company-settings")).toBeInTheDocument());
  });
  it("holds the IP whitelist and the action log in their own tabs; the lockout signs out", async () => {
    commands.setIpWhitelist.mockImplementation(() => ok({ enabled: true, entries: ["10.0.0.0/8"], your_address: "127.0.0.1" }));
    commands.actionLog.mockImplementation(() => ok({ rows: [], next_cursor: null }));
    const onsignout = vi.fn();
    render(CompanySettings, { onclose: () => {}, onsignout });
    const user = userEvent.setup();
    await user.click(screen.getByRole("tab", { name: "Action log" }));
    expect(await screen.findByText("No actions match.")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Save" })).toBeNull();
    await user.click(screen.getByRole("tab", { name: "IP whitelist" }));
    await waitFor(() => expect(screen.getByLabelText(/Allow operators/)).toBeInTheDocument());
    commands.setIpWhitelist.mockImplementationOnce(() => fail("conflict", "This list does not include your address 127.0.0.1."));
    await user.click(screen.getByLabelText(/Allow operators/));
    await user.click(screen.getByRole("button", { name: "Save" }));
    await user.click(await screen.findByRole("button", { name: "Save anyway" }));
    await waitFor(() => expect(onsignout).toHaveBeenCalledTimes(1));
  });
});
