/** Error sentences for the operator: what went wrong, in plain words, and what to do. */
import { IpcError } from "./ipc";

export function signInErrorText(e: unknown, serverUrl: string): string {
  const err = e instanceof IpcError ? e : null;
  if (!err) return "Signing in failed. Try again.";
  switch (err.kind) {
    case "unauthorized":
      return "Wrong email or password.";
    case "rate_limited":
      return "Too many sign-in attempts. Wait a minute, then try again.";
    case "offline":
      return `Can't reach the server at ${serverUrl}. Check the address and your network connection.`;
    case "bad_input":
      return err.message || "Check the server address, email and password.";
    default:
      return err.message || "Signing in failed. Try again.";
  }
}

/** A short sentence for any failed command. */
export function errorText(e: unknown): string {
  if (e instanceof IpcError) {
    if (e.kind === "offline" && !e.message) return "You are offline.";
    return e.message || "Something went wrong.";
  }
  if (e instanceof Error) return e.message;
  return String(e);
}
