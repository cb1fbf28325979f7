import { Text } from "ink";

/** The question `r` asks before anything is restarted. */
export function ConfirmRestart({ service }: { service: string }) {
  return (
    <Text wrap="truncate" color="yellow" bold>
      Restart {service}? <Text color="white">y</Text> = yes · <Text color="white">n/esc</Text> = no
    </Text>
  );
}
