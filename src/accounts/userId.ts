import { userInfo } from "node:os";
import { USER_ID_PATTERN } from "./instanceId.ts";
import type { Store } from "../store/index.ts";
import { McpdError } from "../util/errors.ts";

/**
 * The OS login name turned into a valid user id ("Jane Doe" → "Jane-Doe"), so
 * `mcpd user add` on a personal machine needs no --user. It still turns "_" into "-", as
 * it did before user ids could hold "_": a default id must keep naming the user it made.
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
    throw new McpdError("usage", `user "${userId}": use 1-64 letters, digits and . _ @ + - (a login name or an e-mail address), starting with a letter or digit`);
  }
  return userId;
}

/**
 * The stored user `asked` names, ignoring case (ALICE and alice are one user), spelled as
 * stored: users made before ids ignored case keep their spelling, and so their URLs and
 * refs. Null when there is none; an error when two stored users differ only in case.
 */
export function knownUserId(store: Pick<Store, "users">, asked: string): string | null {
  if (store.users.get(asked)) return asked;
  const folded = asked.toLowerCase();
  const alike = store.users
    .list()
    .map((u) => u.id)
    .filter((id) => id.toLowerCase() === folded);
  if (alike.length > 1) {
    throw new McpdError(
      "ambiguous-user",
      `user "${asked}" could be ${alike.map((id) => `"${id}"`).join(" or ")}: they were made before user ids ignored case; give one exactly as mcpd user list shows it`,
    );
  }
  return alike[0] ?? null;
}

/** The user id to onboard `asked` as: the stored user it names, else a new one in lower case. */
export function userIdFor(store: Pick<Store, "users">, asked: string): string {
  return knownUserId(store, checkUserId(asked)) ?? asked.toLowerCase();
}
