import type { Command } from "commander";
import { parseHostPort } from "../lb/address.ts";
import { haproxyConfig } from "../lb/haproxy.ts";
import { nginxConfig } from "../lb/nginx.ts";
import type { BalancerOptions } from "../lb/options.ts";
import { McpdError } from "../util/errors.ts";

const BUILDERS: Record<string, (o: BalancerOptions) => string> = { nginx: nginxConfig, haproxy: haproxyConfig };

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerLb(program: Command): void {
  program
    .command("lb")
    .argument("<balancer>", "nginx or haproxy")
    .description("print a load balancer config that sends every request of an instance to one mcpd node (consistent hash of the instance id)")
    .option("--node <host:port>", "an mcpd node's proxy address; repeat for each node", collect, [] as string[])
    .option("--listen <[host:]port>", "where the balancer listens (default 8080)", "8080")
    .option("--access-log <file>", "nginx: log requests to FILE with the instance id redacted (default: no access log)")
    .action((balancer: string, opts: { node: string[]; listen: string; accessLog?: string }) => {
      const build = BUILDERS[balancer];
      if (!build) throw new McpdError("usage", `lb: ${balancer} is not a balancer mcpd writes configs for; use nginx or haproxy`);
      if (opts.node.length === 0) throw new McpdError("usage", "lb: name every node with --node HOST:PORT (its mcpd proxy address), once per node");
      if (opts.accessLog !== undefined && balancer !== "nginx") throw new McpdError("usage", "lb: --access-log is for nginx; the HAProxy config shows its redacting log-format in a comment");
      if (opts.accessLog !== undefined && !/^[^\s;{}'"]+$/.test(opts.accessLog)) throw new McpdError("usage", `lb: --access-log ${opts.accessLog}: give a file path without spaces, quotes, braces or semicolons`);
      const nodes = opts.node.map((n) => parseHostPort(n, "--node"));
      const seen = new Set<string>();
      for (const n of nodes) {
        const key = `${n.host}:${n.port}`;
        if (seen.has(key)) throw new McpdError("usage", `lb: --node ${key} is given twice`);
        seen.add(key);
      }
      const listen = parseHostPort(opts.listen, "--listen", { bareHost: "0.0.0.0" });
      const command = ["mcpd lb", balancer, ...opts.node.flatMap((n) => ["--node", n]), "--listen", opts.listen, ...(opts.accessLog ? ["--access-log", opts.accessLog] : [])].join(" ");
      process.stdout.write(build({ nodes, listen, accessLog: opts.accessLog ?? null, command }));
    });
}
