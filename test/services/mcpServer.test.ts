import { expect, test } from "bun:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { createMcpServer } from "../../src/services/mcpServer.ts";

// The schema compiler is built on first use instead of with each server: what a form
// elicitation answers must still be checked against the schema it asked for.
test("a builtin's server still checks an elicitation answer against the schema it asked for", async () => {
  const server = createMcpServer({ name: "t", version: "1" });
  const answers = [{ age: 42 }, { age: "forty-two" }];
  const client = new Client({ name: "c", version: "1" }, { capabilities: { elicitation: { form: {} } } });
  client.setRequestHandler(ElicitRequestSchema, async () => ({ action: "accept", content: answers.shift()! }));
  const [a, b] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(a), client.connect(b)]);
  try {
    const ask = () =>
      server.server.elicitInput({ message: "age?", requestedSchema: { type: "object", properties: { age: { type: "number" } }, required: ["age"] } });
    expect(await ask()).toMatchObject({ action: "accept", content: { age: 42 } });
    await expect(ask()).rejects.toThrow("does not match requested schema");
  } finally {
    await client.close();
    await server.close();
  }
});
