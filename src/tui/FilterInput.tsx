import { Text } from "ink";

/** The `/` filter: being typed (with a cursor) or applied. */
export function FilterInput({ value, editing, matches, total }: { value: string; editing: boolean; matches: number; total: number }) {
  return (
    <Text wrap="truncate">
      <Text color="cyan">/</Text>
      {value}
      {editing ? <Text inverse> </Text> : null}
      <Text dimColor>{`  ${matches} of ${total} match${editing ? " · enter to apply, esc to clear" : ""}`}</Text>
    </Text>
  );
}
