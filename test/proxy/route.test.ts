import { expect, test } from "bun:test";
import { parseRoute } from "../../src/proxy/route.ts";

test("an instance URL splits into id, service and the path on the service", () => {
  expect(parseRoute("/fig_alice_7Hq2abc/figma/mcp")).toEqual({ instanceId: "fig_alice_7Hq2abc", service: "figma", rest: "/mcp", prefix: "/fig_alice_7Hq2abc/figma" });
  expect(parseRoute("/id/svc/messages/x")).toMatchObject({ rest: "/messages/x" });
  expect(parseRoute("/id/svc")).toMatchObject({ service: "svc", rest: "", prefix: "/id/svc" });
  // User ids may be login names and e-mail addresses: _ @ + are path characters as they are.
  expect(parseRoute("/fig_alice+mcp@example.com_7Hq2abc/figma/mcp")).toMatchObject({ instanceId: "fig_alice+mcp@example.com_7Hq2abc", service: "figma" });
});

test("anything else is not an instance URL", () => {
  for (const p of ["", "/", "/id", "/id/", "//svc/mcp", "/id/Bad_Service/mcp", "/i d/svc/mcp", "/a%40b/svc/mcp", `/${"x".repeat(201)}/svc/mcp`]) {
    expect(parseRoute(p)).toBeNull();
  }
});
