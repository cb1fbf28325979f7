import { Text } from "ink";
import { hintsFor, type Mode } from "./keys.ts";

/** The keys that work on the current screen, from the bindings in keys.ts. */
export function Footer({ mode }: { mode: Mode }) {
  const hints = hintsFor(mode);
  return (
    <Text wrap="truncate">
      {hints.map((h, i) => (
        <Text key={h.keys + h.help}>
          {i > 0 ? "  " : ""}
          <Text bold color="cyan">
            {h.keys}
          </Text>{" "}
          <Text dimColor>{h.help}</Text>
        </Text>
      ))}
    </Text>
  );
}
