import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands, fail, ok, resetFakes } from "../../test/fake-bindings";
import { makeMe } from "../../test/fixtures";
import { sectionsFor } from "../admin/sections";
import AdvancedSettings from "./AdvancedSettings.svelte";

vi.mock("../bindings", () => import("../../test/fake-bindings"));

const groups = [
  { group_id: 1, name: "1st line", policy: { block_send: false, block_receive: false } },
  { group_id: 2, name: "2nd line", policy: { block_send: false, block_receive: true } },
];

describe("Administration › Settings › Advanced", () => {
  beforeEach(resetFakes);

  it("saves the email whitelist and only the groups that changed (super-admin)", async () => {
    commands.emailWhitelist.mockImplementation(() => ok({ restrict: false, addresses: ["old@partner.test"] }));
    commands.groupFiles.mockImplementation(() => ok(structuredClone(groups)));
    commands.setEmailWhitelist.mockImplementation(() =>
      ok({ restrict: true, addresses: ["claims@partner.test", "old@partner.test"] }),
    );
    render(AdvancedSettings, {});
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
    render(AdvancedSettings, {});
    const user = userEvent.setup();
    await waitFor(() => expect(screen.getByLabelText("Restrict email addresses")).toBeInTheDocument());
    await user.click(screen.getByLabelText("Restrict email addresses"));
    await user.type(screen.getByLabelText(/Allowed addresses/), "nope");
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent('"nope" is not a valid email address.'));
    expect(screen.queryByText("Saved.")).toBeNull();
  });

  it("is a section of super-admins only (Settings › Advanced), not of manage_settings", () => {
    const ids = (me: ReturnType<typeof makeMe>) => sectionsFor(me).map((s) => s.id);
    expect(ids(makeMe({ permissions: { manage_settings: true } }))).not.toContain("advanced");
    expect(ids(makeMe({ super_admin: true }))).toContain("advanced");
  });
  it("puts the IP whitelist, the action log, the webhooks and the iframe integration in sections of their own, for super-admins (and the log for view_action_log)", () => {
    const ids = (me: ReturnType<typeof makeMe>) => sectionsFor(me).map((s) => s.id);
    for (const id of ["ip-whitelist", "action-log", "webhooks", "iframe"]) {
      expect(ids(makeMe({ super_admin: true }))).toContain(id);
      expect(ids(makeMe({ permissions: { manage_settings: true, manage_operators: true } }))).not.toContain(id);
    }
  });
});
