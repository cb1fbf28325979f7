/** Whether a process with this pid exists and has not exited (a zombie counts as gone). */
export { isAlive } from "../../src/daemon/pidfile.ts";
