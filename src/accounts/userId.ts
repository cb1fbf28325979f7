import { userInfo } from "node:os";
import { USER_ID_PATTERN } from "./instanceId.ts";
import { McpdError } from "../util/errors.ts";

/**
 * The OS login name turned into a valid user id ("Jane Doe" → "Jane-Doe"), so
 * `mcpd user add` on a personal machine needs no --user.
 */
export function sanitizeUserId(name: string): string {
  const cleaned = name
    .replace(/[^A-Za-z0-9.-]+/g, "-")
    .replace(/^[^A-Za-z0-9]+/, "")
    .slice(0, 64)
    .replace(/[.-]+$/, "");
  return USER_ID_PATTERN.test(cleaned) ? cleaned : "user";
}

/** Like Python's getpass.getuser: the login variables first, then the passwd entry. */
export function defaultUserId(env: NodeJS.ProcessEnv = process.env): string {
  let name = env.USER || env.LOGNAME || "";
  if (!name) {
    try {
      name = userInfo().username;
    } catch {
      // No passwd entry (some containers): "user" below.
    }
  }
  return sanitizeUserId(name);
}

export function checkUserId(userId: string): string {
  if (!USER_ID_PATTERN.test(userId)) {
    throw new McpdError("usage", `user "${userId}": use 1-64 letters, digits, dots and dashes, starting with a letter or digit`);
  }
  return userId;
}
