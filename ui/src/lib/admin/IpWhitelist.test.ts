import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands, fail, ok, resetFakes } from "../../test/fake-bindings";
import IpWhitelist from "./IpWhitelist.svelte";

vi.mock("../bindings", () => import("../../test/fake-bindings"));

const lockout =
  'This list does not include your address 198.51.100.4: saving it signs you out. Send "confirm_lockout": true to save it anyway.';

describe("the IP address whitelist", () => {
  beforeEach(resetFakes);

  it("loads the list and saves the entries the admin typed", async () => {
    commands.ipWhitelist.mockImplementation(() => ok({ enabled: false, entries: ["10.0.0.0/8"], your_address: "10.1.2.3" }));
    commands.setIpWhitelist.mockImplementation(() =>
      ok({ enabled: true, entries: ["10.0.0.0/8", "2001:db8::/32"], your_address: "10.1.2.3" }),
    );
    render(IpWhitelist);
    const user = userEvent.setup();
    await waitFor(() => expect(screen.getByText(/Your address as the server sees it: 10.1.2.3/)).toBeInTheDocument());
    const box = screen.getByLabelText(/Addresses and ranges/);
    expect(box).toHaveValue("10.0.0.0/8");
    expect(box).toBeDisabled();
    await user.click(screen.getByLabelText(/Allow operators to sign in only/));
    await user.type(box, "\n2001:DB8::/32");
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByRole("status")).toHaveTextContent("Saved.");
    expect(commands.setIpWhitelist).toHaveBeenCalledWith({
      enabled: true,
      entries: ["10.0.0.0/8", "2001:DB8::/32"],
      confirm_lockout: false,
    });
    // The server's canonical list is shown.
    expect(box).toHaveValue("10.0.0.0/8\n2001:db8::/32");
  });

  it("asks before saving a list without the admin's own address, then signs out", async () => {
    commands.ipWhitelist.mockImplementation(() => ok({ enabled: false, entries: [], your_address: "198.51.100.4" }));
    commands.setIpWhitelist.mockImplementation((u: { confirm_lockout: boolean }) =>
      u.confirm_lockout ? ok({ enabled: true, entries: ["10.0.0.0/8"], your_address: "198.51.100.4" }) : fail("conflict", lockout),
    );
    const onlockedout = vi.fn();
    render(IpWhitelist, { onlockedout });
    const user = userEvent.setup();
    await waitFor(() => expect(screen.getByLabelText(/Allow operators/)).toBeInTheDocument());
    await user.click(screen.getByLabelText(/Allow operators/));
    await user.type(screen.getByLabelText(/Addresses and ranges/), "10.0.0.0/8");
    await user.click(screen.getByRole("button", { name: "Save" }));
    const question = await screen.findByRole("alertdialog");
    expect(question).toHaveTextContent(
      "This list does not include your address 198.51.100.4. Save anyway? You will be signed out.",
    );
    expect(onlockedout).not.toHaveBeenCalled();
    // Cancel keeps everything as typed and saves nothing more.
    await user.click(screen.getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(commands.setIpWhitelist).toHaveBeenCalledTimes(1);
    await user.click(screen.getByRole("button", { name: "Save" }));
    await user.click(await screen.findByRole("button", { name: "Save anyway" }));
    await waitFor(() => expect(onlockedout).toHaveBeenCalledTimes(1));
    expect(commands.setIpWhitelist).toHaveBeenLastCalledWith({
      enabled: true,
      entries: ["10.0.0.0/8"],
      confirm_lockout: true,
    });
  });

  it("shows a bad entry as the server named it", async () => {
    commands.setIpWhitelist.mockImplementation(() =>
      fail("bad_input", '"10.0.0.0/33" is not an IP address or a CIDR range (like 203.0.113.9, 10.0.0.0/8 or 2001:db8::/32).'),
    );
    render(IpWhitelist);
    const user = userEvent.setup();
    await waitFor(() => expect(screen.getByLabelText(/Allow operators/)).toBeInTheDocument());
    await user.click(screen.getByLabelText(/Allow operators/));
    await user.type(screen.getByLabelText(/Addresses and ranges/), "10.0.0.0/33");
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByRole("alert")).toHaveTextContent('"10.0.0.0/33" is not an IP address or a CIDR range');
    expect(screen.queryByRole("status")).toBeNull();
    expect(screen.getByLabelText(/Addresses and ranges/)).toHaveValue("10.0.0.0/33");
  });
});
