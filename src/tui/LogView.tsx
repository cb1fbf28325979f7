import { Box, Text } from "ink";
import { plainLine, truncate } from "./format.ts";

export interface LogViewProps {
  service: string;
  lines: readonly string[];
  error: string | null;
  width: number;
  height: number;
}

/** Following one service's log: its last lines, newest at the bottom, as many as fit. */
export function LogView({ service, lines, error, width, height }: LogViewProps) {
  const tail = lines.slice(-Math.max(0, height - 1));
  return (
    <Box flexDirection="column" height={height} width={width}>
      <Text wrap="truncate">
        <Text bold>log: {service}</Text>
        <Text dimColor> (following)</Text>
        {error ? <Text color="red">{`  ${error}`}</Text> : null}
      </Text>
      {tail.length === 0 ? <Text dimColor>  (no output yet)</Text> : null}
      {tail.map((line, i) => (
        // Lines are cut, never wrapped: a wrapped line would push the footer off screen.
        <Text key={i} wrap="truncate">
          {truncate(plainLine(line), width)}
        </Text>
      ))}
    </Box>
  );
}
