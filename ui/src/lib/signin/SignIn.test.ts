import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands, fail, ok, resetFakes } from "../../test/fake-bindings";
import { makeOpened, makeSession } from "../../test/fixtures";
import { Session } from "../state/session.svelte";
import SignIn from "./SignIn.svelte";

vi.mock("../bindings", () => import("../../test/fake-bindings"));

async function fillAndSubmit() {
  const user = userEvent.setup();
  await waitFor(() => expect(screen.getByLabelText("Server address")).toHaveValue("https://desk.example.com"));
  await user.type(screen.getByLabelText("Email"), "anna@example.com");
  await user.type(screen.getByLabelText("Password"), "secret");
  await user.click(screen.getByRole("button", { name: "Sign in" }));
}

describe("SignIn", () => {
  beforeEach(resetFakes);

  it("prefills the server address and signs in, remembering the token when the keychain works", async () => {
    const info = makeSession();
    commands.signIn.mockImplementation(() => ok(makeOpened(info)));
    const session = new Session();
    render(SignIn, { session });

    await fillAndSubmit();

    await waitFor(() => expect(session.phase).toBe("signed_in"));
    expect(commands.signIn).toHaveBeenCalledWith("https://desk.example.com", "anna@example.com", "secret", true);
    expect(document.querySelector("#keychain-notice")).toBeNull();
  });

  it("shows the server's error text inline", async () => {
    commands.signIn.mockImplementation(() => fail("server", "The database is being upgraded. Try again in a minute."));
    render(SignIn, { session: new Session() });

    await fillAndSubmit();

    const error = await screen.findByRole("alert");
    expect(error).toHaveAttribute("id", "sign-in-error");
    expect(error).toHaveTextContent("The database is being upgraded. Try again in a minute.");
  });

  it("shows the IP whitelist's refusal with the address the server saw", async () => {
    const sentence = "Your address 203.0.113.9 is not allowed by your company's IP whitelist; ask your admin.";
    commands.signIn.mockImplementation(() => fail("forbidden", sentence));
    render(SignIn, { session: new Session() });

    await fillAndSubmit();

    expect(await screen.findByRole("alert")).toHaveTextContent(sentence);
  });

  it.each([
    ["unauthorized", "Wrong email or password."],
    ["rate_limited", "Too many sign-in attempts"],
    ["offline", "Can't reach the server at https://desk.example.com"],
  ] as const)("explains %s in plain words", async (kind, text) => {
    commands.signIn.mockImplementation(() => fail(kind, "raw"));
    render(SignIn, { session: new Session() });

    await fillAndSubmit();

    expect(await screen.findByRole("alert")).toHaveTextContent(text);
    expect(screen.getByLabelText("Password")).toHaveValue("");
  });

  it("explains a missing keychain and signs in for this session only", async () => {
    commands.keychainStatus.mockImplementation(() => ok({ available: false, detail: "no Secret Service on the session bus" }));
    commands.signIn.mockImplementation(() => ok(makeOpened(makeSession({ remembered: false }))));
    render(SignIn, { session: new Session() });

    const notice = await screen.findByText(/Your system keychain is not available/);
    expect(notice).toHaveTextContent(
      "Your system keychain is not available (no Secret Service on the session bus). You can sign in for this session only; you'll need to sign in again next time.",
    );

    await fillAndSubmit();

    await waitFor(() => expect(commands.signIn).toHaveBeenCalled());
    expect(commands.signIn.mock.calls[0]?.[3]).toBe(false);
  });

  it("falls back to a session-only sign-in when the keychain refuses the token", async () => {
    commands.signIn
      .mockImplementationOnce(() => fail("keychain", "the collection is locked"))
      .mockImplementationOnce(() => ok(makeOpened(makeSession({ remembered: false }))));
    const session = new Session();
    render(SignIn, { session });

    await fillAndSubmit();
    expect(await screen.findByRole("alert")).toHaveTextContent("Press Sign in again to sign in for this session only.");
    expect(document.querySelector("#keychain-notice")).toHaveTextContent("(the collection is locked)");
    expect(screen.getByLabelText("Password")).toHaveValue("secret");

    await userEvent.setup().click(screen.getByRole("button", { name: "Sign in" }));
    await waitFor(() => expect(session.phase).toBe("signed_in"));
    expect(commands.signIn.mock.calls.map((c) => c[3])).toEqual([true, false]);
  });

  it("asks for all fields before calling the shell", async () => {
    render(SignIn, { session: new Session() });
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Enter the server address, your email and your password.");
    expect(commands.signIn).not.toHaveBeenCalled();
  });

  it("shows why the operator was signed out", () => {
    const session = new Session();
    session.end("Your session was revoked by an administrator.");
    render(SignIn, { session });
    expect(document.querySelector("#sign-in-notice")).toHaveTextContent("Your session was revoked by an administrator.");
  });
});
